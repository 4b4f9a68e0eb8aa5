import {
  type Behaviour,
  expectBanned,
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  type FaultSpec,
  flaky,
  forgedChain,
  invalidSignatures,
  lyingHeight,
  type NodeSpec,
  runScenario,
  type ScenarioResult,
  SimChain,
  truncated,
  uncommittedFork,
  withholding,
} from '@hotsync/simnet';
import { type ParallelStrategy, parallelStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { START_AFTER_MS, type StrategyNode, servers, strategyNode } from '../harness/strategy-node.js';

const TIP = 3_000;
const FORK_HEIGHT = 1_700;
/** When Byzantine peers that looked honest during discovery turn (their heights are proven by then). */
const TURN_AT_MS = 1_200;
// 200 KB/s links: the sync takes a few virtual seconds, long enough for faults mid-way.
const LINKS = { default: { latency: { baseMs: 20, jitterMs: 15 }, bandwidthBytesPerSec: 200_000 } };
const CONFIG = { strategy: { default: 'parallel' }, performance: { validationPipelineSize: 12 } };

describe('parallel under faults and Byzantine peers (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({
      seed: 30,
      blocks: TIP,
      epochLength: 1_000,
      transactionsPerBlock: 2,
      forkHeights: [FORK_HEIGHT],
    });
  }, 60_000);

  async function run(
    seed: number,
    nodes: readonly NodeSpec[],
    faults: readonly FaultSpec[] = [],
  ): Promise<{ result: ScenarioResult; me: StrategyNode }> {
    let me: StrategyNode | undefined;
    const result = await runScenario({
      seed,
      chains: { main: chain },
      nodes: [
        ...nodes,
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: strategyNode({
            strategies: () => [parallelStrategy()],
            config: CONFIG,
            onNode: (n) => (me = n),
          }),
        },
      ],
      links: LINKS,
      faults,
      until: { deadlineMs: 300_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expect(await me!.outcome).toMatchObject({ kind: 'synced', height: TIP });
    const stats = (me!.strategies[0] as ParallelStrategy).stats()!;
    expect(stats.window.highWater.ranges).toBeLessThanOrEqual(stats.window.limits.ranges);
    return { result, me: me! };
  }

  /** A peer honest during discovery that turns Byzantine at TURN_AT_MS. */
  function turning(id: string, behaviours: readonly Behaviour[]): { node: NodeSpec; fault: FaultSpec } {
    return {
      node: { id, role: 'serve', chain: 'main' },
      fault: { atMs: TURN_AT_MS, kind: 'behaviours', node: id, behaviours },
    };
  }

  function summary(result: ScenarioResult, me: StrategyNode): string {
    const stats = (me.strategies[0] as ParallelStrategy).stats()!;
    const penalties = result.report.penalties.map((p) => `${p.peer}:${p.level}:${p.reason}`);
    return `${result.report.virtualTimeMs} virtual ms, ${stats.requests} requests, ${stats.retries} retries, ${stats.rejected} rejected; penalties ${[...new Set(penalties)].join(', ') || 'none'}; bans ${result.report.bans.map((b) => b.peer).join(', ') || 'none'}`;
  }

  it.each([1, 2])('recovers from 30 % flaky peers (seed %i)', async (seed) => {
    const flakyPeers = ['flaky0', 'flaky1', 'flaky2'];
    const { result, me } = await run(seed, [
      ...servers(7),
      // Flaky where it hurts the coordinator: they prove their height, then fail half their range requests.
      ...servers(3, { prefix: 'flaky', behaviours: [flaky(0.5, { methods: ['blocks_by_range'] })] }),
    ]);
    expectOnlyPenalized(result, flakyPeers);
    expect(result.report.bans).toEqual([]);
    const stats = (me.strategies[0] as ParallelStrategy).stats()!;
    expect(stats.failures).toBeGreaterThan(0);
    expect(stats.retries).toBeGreaterThan(0);
    console.log(`flaky seed ${seed}: ${summary(result, me)}`);
  });

  it.each([1, 2])('rides out a partition in the middle of the sync, healed later (seed %i)', async (seed) => {
    const { result, me } = await run(seed, servers(6), [
      {
        atMs: 1_000,
        kind: 'partition',
        groups: [
          ['me', 'peer0', 'peer1'],
          ['peer2', 'peer3', 'peer4', 'peer5'],
        ],
      },
      { atMs: 4_000, kind: 'heal' },
    ]);
    // Requests cut by the partition are the network's doing: at most a low liveness penalty, never a ban.
    expect(result.report.bans).toEqual([]);
    for (const p of result.report.penalties) {
      expect(p.level).toBe('low');
      expect(p.reason).toMatch(/request:(disconnected|timeout)/);
    }
    // Work went on with the reachable peers during the partition, and the others came back after it.
    const peers = (me.strategies[0] as ParallelStrategy).stats()!.peers;
    for (const id of ['peer2', 'peer3', 'peer4', 'peer5'])
      expect(peers[id]?.requests ?? 0).toBeGreaterThan(0);
    expect(result.report.virtualTimeMs).toBeGreaterThan(4_000);
    console.log(`partition seed ${seed}: ${summary(result, me)}`);
  });

  it.each([1, 2])(
    'routes around a withholding peer, from the start and turning mid-sync (seed %i)',
    async (seed) => {
      const turner = turning('turns-withholding', [withholding()]);
      // Answers status and proofs (so its height is proven), never a range: each request times out.
      const withholder = withholding({ methods: ['blocks_by_range'] });
      const { result, me } = await run(
        seed,
        [
          ...servers(5),
          { id: 'withholder', role: 'serve', chain: 'main', behaviours: [withholder] },
          turner.node,
        ],
        [turner.fault],
      );
      expectOnlyPenalized(result, ['withholder', 'turns-withholding']);
      const peers = (me.strategies[0] as ParallelStrategy).stats()!.peers;
      expect(peers.withholder?.failures ?? 0).toBeGreaterThan(0);
      expect(peers.withholder?.blocks ?? 0).toBe(0);
      console.log(
        `withholding seed ${seed}: ${summary(result, me)}; withholder requests ${peers.withholder?.requests}, failures ${peers.withholder?.failures}`,
      );
    },
  );

  it('one honest peer and four withholders: a withholder that failed gets no new range while the honest one is there', async () => {
    const withholders = [0, 1, 2, 3].map(
      (i): NodeSpec => ({
        id: `withholder${i}`,
        role: 'serve',
        chain: 'main',
        behaviours: [withholding({ methods: ['blocks_by_range'] })],
      }),
    );
    const { result, me } = await run(3, [...servers(1), ...withholders]);
    expectOnlyPenalized(
      result,
      withholders.map((w) => w.id),
    );
    const stats = (me.strategies[0] as ParallelStrategy).stats()!;
    const asked = withholders.map((w) => stats.peers[w.id]?.requests ?? 0);
    console.log(
      `1 honest + 4 withholders: ${summary(result, me)}; requests to the withholders ${asked.join('/')}`,
    );
    // Each is asked before it fails (at most its request slots, plus hedges of a stuck range),
    // never again afterwards: a range waits for the peer that delivers.
    for (const n of asked) expect(n).toBeLessThanOrEqual(4);
  });

  it.each([1, 2])(
    'accepts short answers: a range ends at its latest provable block, the rest is fetched again (seed %i)',
    async (seed) => {
      // Half of every range: allowed (a response may stop at a size limit), only slower.
      const { result, me } = await run(seed, [
        ...servers(3),
        ...servers(3, { prefix: 'short', behaviours: [truncated({ mode: 'fewer-blocks', keep: 0.5 })] }),
      ]);
      // An answer too short to prove any block (a view gap right after it) costs a low penalty at most.
      expectOnlyPenalized(result, ['short0', 'short1', 'short2']);
      for (const p of result.report.penalties)
        expect(p).toMatchObject({ level: 'low', reason: 'request:unavailable' });
      expect(result.report.bans).toEqual([]);
      const stats = (me.strategies[0] as ParallelStrategy).stats()!;
      expect(stats.endProofs.shrunk).toBeGreaterThan(0);
      console.log(
        `short answers seed ${seed}: ${summary(result, me)}, end proofs ${JSON.stringify(stats.endProofs)}`,
      );
    },
  );

  it.each([1, 2])('ignores a peer lying about its height (seed %i)', async (seed) => {
    const { result, me } = await run(seed, [
      ...servers(5),
      { id: 'liar', role: 'serve', chain: 'main', behaviours: [lyingHeight({ extraBlocks: 1_000_000 })] },
    ]);
    expectOnlyPenalized(result, ['liar']);
    // The target is the proven median, not the claim.
    expect(me.manager.status().targetHeight).toBe(TIP);
    console.log(`lying height seed ${seed}: ${summary(result, me)}`);
  });

  it.each([1, 2, 3])(
    'stores no block of invalid-signature, forged-chain or uncommitted-fork peers and bans the forgers (seed %i)',
    async (seed) => {
      // Forged from inside the part still to sync: a range across the start links up and fails at
      // the signatures of its commit proof (fatal); a range above it fails at its first link (high).
      const badSigs = turning('bad-sigs', [invalidSignatures({ fromHeight: 2_200 })]);
      const forger = turning('forger', [forgedChain({ fromHeight: 2_500 })]);
      const forkTurn = turning('turns-fork', [uncommittedFork()]);
      const byzantine = ['bad-sigs', 'forger', 'turns-fork', 'fork', 'forger-early', 'bad-sigs-early'];
      const { result, me } = await run(
        seed,
        [
          ...servers(4),
          badSigs.node,
          forger.node,
          forkTurn.node,
          // From the start: caught when they try to prove their height.
          { id: 'fork', role: 'serve', chain: 'main', behaviours: [uncommittedFork()] },
          {
            id: 'forger-early',
            role: 'serve',
            chain: 'main',
            behaviours: [forgedChain({ fromHeight: 500 })],
          },
          {
            id: 'bad-sigs-early',
            role: 'serve',
            chain: 'main',
            behaviours: [invalidSignatures({ fromHeight: 500 })],
          },
        ],
        [badSigs.fault, forger.fault, forkTurn.fault],
      );
      const stats = (me.strategies[0] as ParallelStrategy).stats()!;
      console.log(`byzantine seed ${seed}: ${summary(result, me)}`);
      expectOnlyPenalized(result, byzantine);
      // Caught proving their heights: the signatures of their commit proofs (fatal).
      expectBanned(result, ['forger-early', 'bad-sigs-early']);
      // The turned forgers served ranges after turning; each was refused for invalid data and retried elsewhere.
      for (const id of ['bad-sigs', 'forger']) {
        expect(stats.peers[id]?.rejected ?? 0).toBeGreaterThan(0);
        const mine = result.report.penalties.filter((p) => p.peer === id);
        expect(mine.length).toBeGreaterThan(0);
        for (const p of mine) expect(p.reason).toMatch(/^invalid-data:/);
        // A forged signature is proof enough: banned at once.
        if (mine.some((p) => p.level === 'fatal')) expectBanned(result, [id]);
      }
    },
  );
});
