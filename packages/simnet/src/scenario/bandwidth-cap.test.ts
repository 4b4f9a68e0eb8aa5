import { beforeAll, describe, expect, it } from 'vitest';
import type { SimChain } from '../chain/sim-chain.js';
import { smallChain } from '../fixtures/sim.fixture.js';
import { simpleSync } from '../fixtures/simple-sync.fixture.js';
import { expectNoErrors, expectSyncedToHonestTip } from './assertions.js';
import { runScenario } from './runner.js';
import type { ScenarioSpec } from './types.js';

/*
 * network.bandwidthCapBytesPerSec in a simulated sync: the scenario's SyncConfig caps what
 * the syncing node reads, on virtual time, as the libp2p binding does on its clock.
 */

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

const CAP = 20_000;

const spec = (bandwidthCapBytesPerSec: number): ScenarioSpec => ({
  seed: 4,
  chains: { main: chain },
  nodes: [
    { id: 's1', role: 'serve', chain: 'main' },
    { id: 's2', role: 'serve', chain: 'main' },
    { id: 'c', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 32 }) },
  ],
  links: { default: { latency: 10, bandwidthBytesPerSec: 1_000_000, loss: 0 } },
  // One 32-block response (~40 kB) takes ~2 s to read at the cap: twice the whole-request deadline.
  network: { timeouts: { firstByteMs: 500, requestMs: 1_000 } },
  config: { network: { bandwidthCapBytesPerSec } },
  until: { deadlineMs: 120_000, condition: 'all-synced' },
});

describe('bandwidth cap in simnet', () => {
  it('a capped sync completes, takes at least bytes / cap of virtual time, and no deadline fires', async () => {
    const result = await runScenario(spec(CAP));
    expectNoErrors(result);
    expectSyncedToHonestTip(result);
    const me = result.report.nodes.c!;
    const bytes = me.totals.bytesReceived;
    expect(bytes).toBeGreaterThan(120 * 1_000);
    const burst = CAP / 10;
    expect(result.report.virtualTimeMs).toBeGreaterThanOrEqual(((bytes - burst) * 1000) / CAP);
    expect(me.totals.failures).toEqual({}); // throttled time is not the peers' timeout
    expect(me.totals.responsesOk).toBe(me.totals.requestsSent);
    // Servers are not capped (the cap is the downloading node's).
    console.log(
      `simnet cap ${CAP} B/s: ${bytes} bytes in ${result.report.virtualTimeMs} virtual ms ` +
        `(${Math.round((bytes * 1000) / result.report.virtualTimeMs)} B/s)`,
    );
  });

  it('cap 0 means no throttle: the same sync is done well within bytes / cap', async () => {
    const result = await runScenario(spec(0));
    expectNoErrors(result);
    expectSyncedToHonestTip(result);
    const me = result.report.nodes.c!;
    expect(result.report.virtualTimeMs).toBeLessThan((me.totals.bytesReceived * 1000) / CAP / 2);
    expect(me.totals.failures).toEqual({});
    console.log(
      `simnet no cap: ${me.totals.bytesReceived} bytes in ${result.report.virtualTimeMs} virtual ms`,
    );
  });
});
