import {
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
} from '@hotsync/simnet';
import {
  type AdaptiveStrategy,
  adaptiveStrategy,
  type ParallelStrategy,
  parallelStrategy,
} from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  phaseNames,
  START_AFTER_MS,
  type StrategyNode,
  servers,
  strategyNode,
  syncDurationMs,
} from '../harness/strategy-node.js';

describe('parallel: a 20,000-block gap from 8 peers (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // Small payloads: what is measured here is coordination, not transfer size.
    chain = await SimChain.generate({
      seed: 20,
      blocks: 20_000,
      epochLength: 5_000,
      transactionsPerBlock: 2,
    });
  }, 120_000);

  it.each([1, 2])(
    'reaches the honest tip using all 8 peers within the request limits (seed %i)',
    async (seed) => {
      let me: StrategyNode | undefined;
      const config = {
        strategy: { default: 'parallel' },
        performance: { validationPipelineSize: 16, parallelDownloadLimit: 16 },
        peers: { maxRequestsPerPeer: 2 },
      };
      const result = await runScenario({
        seed,
        chains: { main: chain },
        nodes: [
          ...servers(8),
          {
            id: 'me',
            role: 'sync',
            chain: 'main',
            startAtMs: START_AFTER_MS,
            sync: strategyNode({ strategies: () => [parallelStrategy()], config, onNode: (n) => (me = n) }),
          },
        ],
        links: { default: { latency: { baseMs: 25, jitterMs: 15 }, bandwidthBytesPerSec: 4_000_000 } },
        until: { deadlineMs: 300_000, condition: 'all-synced' },
      });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, []);
      expect(await me!.outcome).toMatchObject({ kind: 'synced', height: 20_000 });
      expect(phaseNames(me!.manager)).toEqual(['discovering', 'downloading-blocks', 'synced']);

      const stats = (me!.strategies[0] as ParallelStrategy).stats()!;
      expect(stats.blocksCommitted).toBe(20_000);
      expect(Object.keys(stats.peers).sort()).toEqual(servers(8).map((s) => s.id));
      for (const peer of Object.values(stats.peers)) {
        expect(peer.requests).toBeGreaterThan(0);
        expect(peer.maxInFlight).toBeLessThanOrEqual(2);
      }
      expect(stats.maxInFlight).toBeLessThanOrEqual(16);
      expect(stats.maxInFlight).toBeGreaterThan(8);
      expect(stats.window.highWater.ranges).toBeLessThanOrEqual(stats.window.limits.ranges);
      expect(stats.window.highWater.reservedBlocks).toBeLessThanOrEqual(stats.window.limits.blocks);
      console.log(
        `parallel 20k/8 peers seed ${seed}: ${syncDurationMs(me!.manager)} virtual ms, ${result.realTimeMs.toFixed(0)} real ms, ` +
          `${stats.requests} requests, ranges ${stats.rangeSize.smallest}..${stats.rangeSize.largest} (settled at ${stats.rangeSize.current}), ` +
          `window high-water ${stats.window.highWater.ranges}/${stats.window.limits.ranges} ranges, ` +
          `${stats.window.highWater.heldBlocks} blocks held, end proofs ${JSON.stringify(stats.endProofs)}`,
      );
    },
    180_000,
  );
});

describe('parallel: speed-up with the number of peers on bandwidth-limited links', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // About 1 KiB per block (8 transactions): the links' bandwidth is what limits.
    chain = await SimChain.generate({ seed: 22, blocks: 3_000, epochLength: 1_000 });
  }, 60_000);

  async function syncWith(peerCount: number): Promise<{ virtualMs: number; realMs: number }> {
    let me: StrategyNode | undefined;
    const result = await runScenario({
      seed: 7,
      chains: { main: chain },
      nodes: [
        ...servers(peerCount),
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: strategyNode({
            strategies: () => [parallelStrategy()],
            config: { strategy: { default: 'parallel' }, performance: { validationPipelineSize: 16 } },
            onNode: (n) => (me = n),
          }),
        },
      ],
      // 256 KB/s per link and direction: one peer moves a 1 KiB block in 4 ms.
      links: { default: { latency: { baseMs: 30, jitterMs: 10 }, bandwidthBytesPerSec: 256_000 } },
      until: { deadlineMs: 300_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, []);
    return { virtualMs: syncDurationMs(me!.manager), realMs: result.realTimeMs };
  }

  it('more peers, less virtual time (1, 2, 4, 8 peers)', async () => {
    const rows: { peers: number; virtualMs: number; realMs: number }[] = [];
    for (const peers of [1, 2, 4, 8]) rows.push({ peers, ...(await syncWith(peers)) });
    console.log(
      [
        'parallel speed-up, 3,000 blocks of ~1 KiB, 256 KB/s links, 30±10 ms:',
        '| peers | virtual time | speed-up | real time |',
        '|---|---|---|---|',
        ...rows.map(
          (r) =>
            `| ${r.peers} | ${(r.virtualMs / 1000).toFixed(2)} s | ${(rows[0]!.virtualMs / r.virtualMs).toFixed(2)}× | ${(r.realMs / 1000).toFixed(2)} s |`,
        ),
      ].join('\n'),
    );
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.virtualMs).toBeLessThan(rows[i - 1]!.virtualMs);
    // Bandwidth-bound: doubling the peers should nearly halve the time, at least until round trips dominate.
    expect(rows[0]!.virtualMs / rows[2]!.virtualMs).toBeGreaterThan(2.5);
  }, 120_000);
});

describe('adaptive: parallel far from the tip, incremental near it', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 23, blocks: 2_000, epochLength: 600, transactionsPerBlock: 2 });
  }, 60_000);

  it.each([3, 4])('switches from parallel to incremental for the last blocks (seed %i)', async (seed) => {
    let me: StrategyNode | undefined;
    const result = await runScenario({
      seed,
      chains: { main: chain },
      nodes: [
        ...servers(4),
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: strategyNode({
            strategies: () => [adaptiveStrategy()],
            config: { strategy: { default: 'adaptive', parallelThreshold: 100 } },
            onNode: (n) => (me = n),
          }),
        },
      ],
      links: { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 2_000_000 } },
      until: { deadlineMs: 120_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, []);
    const decisions = (me!.strategies[0] as AdaptiveStrategy).decisions();
    expect(decisions.map((d) => d.choice)).toEqual(['parallel', 'incremental']);
    // The hand-over happens with fewer than parallelThreshold blocks to go.
    expect(2_000 - decisions[1]!.atHeight).toBeLessThan(100);
    expect(phaseNames(me!.manager)).toEqual(['discovering', 'downloading-blocks', 'catching-up', 'synced']);
    for (const t of me!.manager.status().history) expect(t.reason.length).toBeGreaterThan(0);
    console.log(decisions.map((d) => `${d.choice} at ${d.atHeight}: ${d.reason}`));
  });
});
