import {
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
} from '@hotsync/simnet';
import { type ParallelStrategy, parallelStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  START_AFTER_MS,
  type StrategyNode,
  servers,
  strategyNode,
  syncDurationMs,
} from '../harness/strategy-node.js';

/*
 * network.bandwidthCapBytesPerSec end to end: the real SyncManager running the parallel
 * strategy (many requests in flight to four peers) under one node-wide cap, on virtual time.
 */
describe('bandwidth cap: a parallel sync through the default SyncManager (simnet)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // About 1 KiB per block: what is measured is bytes.
    chain = await SimChain.generate({ seed: 23, blocks: 1_500, epochLength: 500 });
  }, 60_000);

  async function syncWithCap(bandwidthCapBytesPerSec: number) {
    let me: StrategyNode | undefined;
    const config = {
      strategy: { default: 'parallel' },
      performance: { parallelDownloadLimit: 8 },
      network: { bandwidthCapBytesPerSec },
    };
    const result = await runScenario({
      seed: 5,
      chains: { main: chain },
      nodes: [
        ...servers(4),
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: strategyNode({ strategies: () => [parallelStrategy()], config, onNode: (n) => (me = n) }),
        },
      ],
      // 1 MB/s per link: four peers could deliver 4 MB/s, far above the cap.
      links: { default: { latency: { baseMs: 20, jitterMs: 5 }, bandwidthBytesPerSec: 1_000_000 } },
      config,
      until: { deadlineMs: 300_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    // Our own throttling is nobody's fault: no peer is penalized, no request times out.
    expectOnlyPenalized(result, []);
    const totals = result.report.nodes.me!.totals;
    expect(totals.failures.timeout ?? 0).toBe(0);
    const stats = (me!.strategies[0] as ParallelStrategy).stats()!;
    expect(stats.blocksCommitted).toBe(1_500);
    return {
      virtualMs: syncDurationMs(me!.manager),
      bytes: totals.bytesReceived,
      maxInFlight: stats.maxInFlight,
      hedges: stats.hedges,
      bytesDownloaded: stats.bytesDownloaded,
    };
  }

  it('all requests in flight share the cap: the sync takes at least bytes / cap, completes, and hedges nothing', async () => {
    const cap = 300_000;
    const capped = await syncWithCap(cap);
    const free = await syncWithCap(0);
    expect(capped.maxInFlight).toBeGreaterThan(1); // concurrent requests, one budget
    expect(capped.virtualMs).toBeGreaterThanOrEqual(((capped.bytes - cap / 10) * 1000) / cap);
    // Cap 0 is no cap: the same sync runs at the links' pace, well under bytes / cap.
    expect(free.virtualMs).toBeLessThan((free.bytes * 1000) / cap / 2);
    // A range waiting its turn under the cap is not stuck: none is asked of a second peer,
    // which would only spend the cap twice (one was, before hedging knew of the cap).
    expect(capped.hedges).toBe(0);
    expect(capped.bytesDownloaded).toBeLessThanOrEqual(free.bytesDownloaded * 1.02);
    console.log(
      `bandwidth cap ${cap} B/s, parallel from 4 peers of 1 MB/s: ${capped.bytes} bytes in ${capped.virtualMs} virtual ms ` +
        `(${Math.round((capped.bytes * 1000) / capped.virtualMs)} B/s, up to ${capped.maxInFlight} requests in flight); ` +
        `no cap: ${free.bytes} bytes in ${free.virtualMs} virtual ms; hedges ${capped.hedges} capped / ${free.hedges} free, ` +
        `blocks downloaded ${capped.bytesDownloaded} / ${free.bytesDownloaded} bytes`,
    );
  }, 120_000);
});
