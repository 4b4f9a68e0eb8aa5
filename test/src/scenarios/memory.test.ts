import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { every, type SyncOutcome } from '@hotsync/core';
import { expectOnlyPenalized, expectSyncedToHonestTip, runScenario, SimChain } from '@hotsync/simnet';
import { parallelStrategy } from '@hotsync/strategies';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lmdbStrategyNode } from '../harness/lmdb-strategy-node.js';
import { START_AFTER_MS, servers } from '../harness/strategy-node.js';

const BLOCKS = 100_000;

/** A full garbage collection (V8's `gc`, exposed at run time): heap figures then count live objects only. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('parallel: memory stays bounded by the look-ahead window (100,000 blocks, simnet)', () => {
  let chain: SimChain;
  const dirs: string[] = [];
  beforeAll(async () => {
    // Empty blocks: generating and syncing 100k of them is fast; the window is counted in blocks anyway.
    chain = await SimChain.generate({
      seed: 60,
      blocks: BLOCKS,
      epochLength: 25_000,
      transactionsPerBlock: 0,
    });
  }, 180_000);
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('never holds more than the window allows, and the heap does not grow with the chain (seed 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-memory-'));
    dirs.push(dir);
    const strategy = parallelStrategy();
    // heapUsed sampled every 50 virtual ms (garbage included), and the live heap after a full
    // collection at each fifth of the chain: the second must not grow with the blocks synced.
    const heap = { atStart: 0, peak: 0, samples: 0, live: [] as { height: number; bytes: number }[] };
    let nextLive = 0;
    let tipOf = () => 0;
    const sample = () => {
      const used = process.memoryUsage().heapUsed;
      heap.peak = Math.max(heap.peak, used);
      heap.samples++;
      const height = tipOf();
      if (height >= nextLive) {
        collectGarbage();
        heap.live.push({ height, bytes: process.memoryUsage().heapUsed });
        nextLive += BLOCKS / 5;
      }
    };
    let outcome: SyncOutcome | undefined;
    let stopSampling = () => {};
    const result = await runScenario({
      seed: 1,
      chains: { main: chain },
      nodes: [
        ...servers(8),
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: lmdbStrategyNode({
            dir,
            // Defaults: a window of `validationPipelineSize` (8) ranges of up to `batchSizeMax` (512) blocks.
            strategies: () => [strategy],
            config: { strategy: { default: 'parallel' } },
            onStart: (ctx, tip) => {
              tipOf = tip;
              collectGarbage();
              heap.atStart = process.memoryUsage().heapUsed;
              const timer = every(ctx.clock, 50, sample);
              stopSampling = () => timer.cancel();
            },
            onOutcome: (o) => {
              outcome = o;
              stopSampling();
              collectGarbage();
              heap.live.push({ height: tipOf(), bytes: process.memoryUsage().heapUsed });
            },
          }),
        },
      ],
      links: { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 12_500_000 } },
      until: { deadlineMs: 600_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectOnlyPenalized(result, []);
    expect(outcome).toMatchObject({ kind: 'synced', height: BLOCKS });
    const stats = strategy.stats()!;
    const { limits, highWater } = stats.window;
    // Ranges of up to 508 blocks: with 4 extra tail blocks a request stays within the wire's 512.
    expect(limits).toEqual({ ranges: 8, blocks: 8 * 512 });
    expect(highWater.ranges).toBeLessThanOrEqual(limits.ranges);
    expect(highWater.reservedBlocks).toBeLessThanOrEqual(limits.blocks);
    expect(highWater.heldBlocks).toBeLessThanOrEqual(highWater.reservedBlocks);
    expect(stats.blocksCommitted).toBe(BLOCKS);
    // What sync keeps alive does not grow with the chain (blocks go to LMDB, off the JS heap).
    // The few MB that do grow here are simnet's: ManualClock keeps a cancelled timer (and the
    // finished exchange and response its callback closes over) until its due time, the 10 s
    // request timeout: bounded by the last 10 virtual seconds of traffic, which is all of this
    // 3-second run. Releasing the callback on cancel makes the live heap flat (see the issue note).
    const live = heap.live.map((l) => l.bytes);
    expect(Math.max(...live) - heap.atStart).toBeLessThan(32e6);
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    console.log(
      `100k blocks, 8 peers: ${result.report.virtualTimeMs} virtual ms, ${(result.realTimeMs / 1000).toFixed(1)} real s; ` +
        `window high-water ${highWater.ranges}/${limits.ranges} ranges, ${highWater.reservedBlocks}/${limits.blocks} blocks reserved, ` +
        `${highWater.heldBlocks} held; heap ${mb(heap.atStart)} live at the start, peak ${mb(heap.peak)} used (${heap.samples} samples), ` +
        `live at ${heap.live.map((l) => `${l.height}: ${mb(l.bytes)}`).join(', ')}; ` +
        `${stats.requests} requests, ranges settled at ${stats.rangeSize.current}`,
    );
  }, 300_000);
});
