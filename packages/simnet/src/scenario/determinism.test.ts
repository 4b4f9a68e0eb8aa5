import { toHex } from '@hotsync/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { equivocating } from '../behaviours/equivocating.js';
import { forgedChain, invalidSignatures } from '../behaviours/forgery.js';
import { garbage } from '../behaviours/malformed.js';
import { flaky, slow } from '../behaviours/timing.js';
import type { SimChain } from '../chain/sim-chain.js';
import { smallChain } from '../fixtures/sim.fixture.js';
import { simpleSync } from '../fixtures/simple-sync.fixture.js';
import { expectNoInvalidBlockStored, expectSyncedToHonestTip } from './assertions.js';
import { runScenario } from './runner.js';

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

/** Loss, jitter, a partition that heals, a server that leaves and comes back, and Byzantine peers. */
async function turbulent(seed: number) {
  const result = await runScenario({
    seed,
    chains: { main: chain },
    nodes: [
      { id: 'h1', role: 'serve', chain: 'main' },
      { id: 'h2', role: 'serve', chain: 'main', behaviours: [slow(40, { jitterMs: 80 })] },
      { id: 'h3', role: 'serve', chain: 'main', behaviours: [flaky(0.2)] },
      { id: 'sig', role: 'serve', chain: 'main', behaviours: [invalidSignatures({ fromHeight: 30 })] },
      { id: 'forger', role: 'serve', chain: 'main', behaviours: [forgedChain({ fromHeight: 60 })] },
      { id: 'junk', role: 'serve', chain: 'main', behaviours: [garbage({ rate: 0.5 })] },
      { id: 'twofaced', role: 'serve', chain: 'main', behaviours: [equivocating()] },
      { id: 'c1', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 12 }) },
      {
        id: 'c2',
        role: 'sync',
        chain: 'main',
        sync: simpleSync({ batchSize: 20, mode: 'full' }),
        startAtMs: 700,
      },
    ],
    links: {
      default: {
        latency: { baseMs: 15, jitterMs: 25, jitter: 'exponential' },
        bandwidthBytesPerSec: 400_000,
        loss: 0.03,
      },
      pairs: [{ a: 'c1', b: 'h1', link: { bandwidthBytesPerSec: 50_000 } }],
    },
    network: { timeouts: { firstByteMs: 600, requestMs: 3_000 } },
    faults: [
      {
        atMs: 1_000,
        kind: 'partition',
        groups: [
          ['c1', 'sig', 'junk'],
          ['h1', 'h2', 'h3', 'forger', 'twofaced'],
        ],
      },
      { atMs: 4_000, kind: 'heal' },
      { atMs: 4_500, kind: 'leave', node: 'h1' },
      { atMs: 9_000, kind: 'join', node: 'h1' },
    ],
    until: { deadlineMs: 600_000, condition: 'all-synced' },
  });
  const roots = result.nodes.filter((n) => n.stateMachine).map((n) => toHex(n.stateMachine!.root()));
  return { result, roots };
}

describe('determinism', () => {
  it('gives identical reports for one seed (schedule, bytes, blame, final state) and a different schedule for another', async () => {
    const first = await turbulent(21);
    const second = await turbulent(21);
    expect(second.result.report).toEqual(first.result.report);
    expect(second.roots).toEqual(first.roots);
    expectSyncedToHonestTip(first.result);
    expectNoInvalidBlockStored(first.result);
    // Things happened: loss, a partition, blame.
    expect(first.result.report.nodes.c1!.totals.failures.timeout ?? 0).toBeGreaterThan(0);
    expect(first.result.report.penalties.length).toBeGreaterThan(0);
    expect(first.result.report.virtualTimeMs).toBeGreaterThan(1_000);

    const other = await turbulent(22);
    expect(other.result.report.traceDigest).not.toBe(first.result.report.traceDigest);
    expect(other.result.report.nodes).not.toEqual(first.result.report.nodes);
    expectSyncedToHonestTip(other.result);
    expectNoInvalidBlockStored(other.result);
  });
});
