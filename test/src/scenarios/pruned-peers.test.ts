import { decodeBlock, type SyncStrategy } from '@hotsync/core';
import {
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  forgedChain,
  type NodeSpec,
  runScenario,
  SimChain,
  type SyncNodeContext,
} from '@hotsync/simnet';
import {
  type AdaptiveStrategy,
  defaultStrategies,
  incrementalStrategy,
  parallelStrategy,
} from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendUncommitted, prefillCommitted } from '../harness/prefill.js';
import { START_AFTER_MS, type StrategyNode, strategyNode } from '../harness/strategy-node.js';

const TIP = 600;
const LINKS = { default: { latency: { baseMs: 20, jitterMs: 15 }, bandwidthBytesPerSec: 500_000 } };

/**
 * A serving node holding `from..to` of the chain (history below `from` pruned). A node
 * behind the tip must end where the generated chain stores a commit proof (256, 512, 600),
 * or it cannot prove its height.
 */
function holding(id: string, from: number, to = TIP): NodeSpec {
  return {
    id,
    role: 'serve',
    chain: 'main',
    ...(from > 0 && { fromHeight: from }),
    ...(to < TIP && { upToHeight: to }),
  };
}

/** Syncs a fresh node (`me`) from `peers` serving `chain`; resolves with its outcome and phase history. */
async function syncFrom(
  chain: SimChain,
  seed: number,
  peers: readonly NodeSpec[],
  strategies: () => readonly SyncStrategy[],
  defaultStrategy: string,
  /** Runs on the syncing node's context before it starts (e.g. a store left by an earlier run). */
  prepare?: (ctx: SyncNodeContext) => Promise<void>,
) {
  let me: StrategyNode | undefined;
  let settled = false;
  const factory = strategyNode({
    strategies,
    config: { strategy: { default: defaultStrategy, parallelThreshold: 64 } },
    onNode: (n) => {
      me = n;
      void n.outcome.finally(() => (settled = true));
    },
  });
  const result = await runScenario({
    seed,
    chains: { main: chain },
    nodes: [
      ...peers,
      {
        id: 'me',
        role: 'sync',
        chain: 'main',
        startAtMs: START_AFTER_MS,
        sync: async (ctx) => {
          await prepare?.(ctx);
          return factory(ctx);
        },
      },
    ],
    links: LINKS,
    until: { deadlineMs: 300_000, condition: () => settled },
  });
  const outcome = await me!.outcome;
  const history = me!.manager.status().history.map((t) => `${t.to.name}: ${t.reason}`);
  return { result, me: me!, outcome, history };
}

type SyncArgs = Parameters<typeof syncFrom> extends [SimChain, ...infer Rest] ? Rest : never;

/**
 * Peers that each hold only part of the chain (an archive behind the tip, pruned nodes at
 * the tip): every range must be served whole by one peer, so ranges are cut where the
 * peers' [earliest, proven height] intervals end; a height no peer holds stops the sync
 * with a reason naming it instead of spinning until the watchdog.
 */
describe('peers with pruned history or behind the tip (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // One epoch, so these tests are about coverage alone (pruned peers across epochs: below).
    chain = await SimChain.generate({ seed: 31, blocks: TIP, epochLength: 1_000, transactionsPerBlock: 2 });
  }, 60_000);

  const sync = (...args: SyncArgs) => syncFrom(chain, ...args);

  const boundary = [holding('archive', 0, 256), holding('pruned0', 257), holding('pruned1', 257)];

  it.each([1, 2])(
    'parallel: one peer holds 0..256, two pruned peers 257..600: ranges are cut at 256/257 (seed %i)',
    async (seed) => {
      const strategies = () => [parallelStrategy()];
      const { result, me, outcome, history } = await sync(seed, boundary, strategies, 'parallel');
      expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      // Nobody was asked for what it does not hold: no peer is penalized, no attempt failed.
      expectOnlyPenalized(result, []);
      expect(history.filter((h) => h.startsWith('failed'))).toEqual([]);
      const stats = (me.strategies[0] as ReturnType<typeof parallelStrategy>).stats()!;
      expect(stats.peers.archive?.blocks ?? 0).toBeGreaterThan(0);
      expect((stats.peers.pruned0?.blocks ?? 0) + (stats.peers.pruned1?.blocks ?? 0)).toBeGreaterThan(0);
      console.log(
        `pruned boundary seed ${seed}: ${result.report.virtualTimeMs} virtual ms, ${stats.requests} requests, end proofs ${JSON.stringify(stats.endProofs)}`,
      );
    },
  );

  it.each([
    ['parallel', () => [parallelStrategy()]],
    ['incremental', () => [incrementalStrategy()]],
  ] as const)(
    '%s: four stale peers proving 256 do not hold the node below the one peer proving 600',
    async (name, strategies) => {
      // The target is the highest proven height, not a median: a majority of peers serving a
      // valid older prefix (lagging, or Sybils doing it on purpose) cannot stop us early.
      const peers = [holding('tip', 0), ...[0, 1, 2, 3].map((i) => holding(`stale${i}`, 0, 256))];
      const { result, outcome, history } = await sync(4, peers, strategies, name);
      expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, []);
    },
  );

  it.each([1, 2])(
    'parallel: any union of overlapping coverages that spans the chain is synced (seed %i)',
    async (seed) => {
      // Overlaps too short to hold a range across them: every range that crosses 256 or 512 must be cut.
      const peers = [
        holding('a', 0, 256),
        holding('b', 250, 512),
        holding('c', 505),
        holding('d', 513),
        holding('e', 590),
      ];
      const { result, outcome, history } = await sync(seed, peers, () => [parallelStrategy()], 'parallel');
      expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, []);
      expect(history.filter((h) => h.startsWith('failed'))).toEqual([]);
    },
  );

  it.each([
    // 24-block ranges: the one from 241 runs past the archive's 256 (16-block ranges would end there by chance).
    ['incremental', () => [incrementalStrategy({ rangeSize: 24 })]],
    ['adaptive', () => defaultStrategies({ incremental: { rangeSize: 24 } })],
  ] as const)("%s: a range that runs past one peer's coverage is cut there", async (name, strategies) => {
    const { result, me, outcome, history } = await sync(3, boundary, strategies, name);
    expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, []);
    expect(history.filter((h) => h.startsWith('failed'))).toEqual([]);
    if (name === 'adaptive') {
      const adaptive = me.strategies.find((s) => s.name === 'adaptive') as AdaptiveStrategy;
      console.log(adaptive.decisions().map((d) => `${d.choice} at ${d.atHeight}: ${d.reason}`));
    }
  });

  it.each([1, 2])(
    'reconciling an uncommitted tip asks only peers that hold the heights above our committed tip (seed %i)',
    async (seed) => {
      // Committed to 256 with 257 stored uncommitted; most peers are pruned above 257.
      const peers = [holding('pruned0', 257), ...[0, 1, 2, 3].map((i) => holding(`far${i}`, 300))];
      const { result, me, outcome, history } = await sync(
        seed,
        peers,
        () => [parallelStrategy()],
        'parallel',
        async (ctx) => {
          await prefillCommitted(ctx, chain, 256);
          await appendUncommitted(ctx, chain, decodeBlock(chain.store.blockBytes(257)!));
        },
      );
      expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      const parallel = me.strategies[0] as ReturnType<typeof parallelStrategy>;
      expect(parallel.reconciliations()[0]).toMatchObject({ kind: 'confirmed' });
      // A pruned peer asked for 257 would answer nothing and be penalized for it.
      expectOnlyPenalized(result, []);
    },
  );

  it.each([
    ['parallel', () => [parallelStrategy()]],
    ['incremental', () => [incrementalStrategy()]],
  ] as const)(
    '%s: heights no peer holds stop the sync with a reason naming them, not a stall',
    async (name, strategies) => {
      const peers = [holding('archive', 0, 256), holding('pruned0', 300), holding('pruned1', 300)];
      const { result, outcome, history } = await sync(4, peers, strategies, name);
      expect(outcome, history.join('\n')).toMatchObject({ kind: 'failed', lastGoodHeight: 256 });
      if (outcome.kind !== 'failed') return;
      expect(outcome.reason).toMatch(/no peer has heights 257\.\.299/);
      // Every attempt ended on the gap, none on the watchdog.
      const failures = history.filter((h) => h.startsWith('failed'));
      expect(failures.length).toBeGreaterThan(0);
      for (const f of failures) expect(f).toMatch(/no peer has heights 257\.\.299/);
      expectOnlyPenalized(result, []);
    },
  );
});

/**
 * Several epochs, most peers pruned: a pruned peer keeps no epoch changes below its
 * history, so proving its height needs the earlier changes from someone else (an archive
 * behind the tip). Discovery asks other peers for the changes a peer cannot supply; every
 * change is verified with the set before it, so a helper cannot slip in a wrong set.
 */
describe('pruned peers across epochs (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // Epochs end at 199, 399 and 599; the archive holds 0..512, the pruned peers 300..600:
    // they cannot supply the change ending epoch 0, nor serve 1..299.
    chain = await SimChain.generate({ seed: 32, blocks: TIP, epochLength: 200, transactionsPerBlock: 2 });
  }, 60_000);

  it.each([
    ['parallel', () => [parallelStrategy()]],
    ['incremental', () => [incrementalStrategy()]],
  ] as const)(
    '%s: the pruned peers prove the tip with an epoch change from the archive; nobody is blamed',
    async (name, strategies) => {
      expect(chain.generated.proofHeights).toContain(512);
      const peers = [holding('archive', 0, 512), holding('pruned0', 300), holding('pruned1', 300)];
      const { result, me, outcome, history } = await syncFrom(chain, 5, peers, strategies, name);
      expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, []);
      // The pruned peers proved the tip (without the archive's epoch change they could not).
      const proven = me.peers
        .peers()
        .filter((p) => p.provenHeight === TIP)
        .map((p) => p.peer);
      expect(proven.sort()).toEqual(['pruned0', 'pruned1']);
    },
  );

  it("a forger among the peers asked for the epoch change is blamed, and the archive's change is used", async () => {
    const peers = [
      { id: 'forger', role: 'serve', chain: 'main', behaviours: [forgedChain()] } as const,
      holding('archive', 0, 512),
      holding('pruned0', 300),
    ];
    const { result, outcome, history } = await syncFrom(
      chain,
      6,
      peers,
      () => [parallelStrategy()],
      'parallel',
    );
    expect(outcome, history.join('\n')).toMatchObject({ kind: 'synced', height: TIP });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, ['forger']);
  });
});
