import { bytesEqual, SafetyViolationError } from '@hotsync/core';
import {
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
  type SyncNodeFactory,
} from '@hotsync/simnet';
import { incrementalStrategy, type ParallelStrategy, parallelStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendUncommitted, prefillCommitted } from '../harness/prefill.js';
import { START_AFTER_MS, type StrategyNode, servers, strategyNode } from '../harness/strategy-node.js';

const LINKS = { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 2_000_000 } };
/** A batch end of the generator: the honest chain has a stored commit proof there. */
const COMMITTED = 1_024;

describe('fork handling: an uncommitted tip on a fork is rolled back (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // The generator certifies a sibling of block 1025 that is never committed.
    chain = await SimChain.generate({
      seed: 50,
      blocks: 2_000,
      epochLength: 700,
      transactionsPerBlock: 2,
      forkHeights: [COMMITTED + 1],
    });
  }, 60_000);

  it.each([
    ['parallel', 1],
    ['parallel', 2],
    ['incremental', 3],
  ] as const)(
    '%s finds the common ancestor, rolls store and state back, and syncs on (seed %i)',
    async (name, seed) => {
      let me: StrategyNode | undefined;
      const fork = chain.generated.forks[0]!.block;
      const inner = strategyNode({
        strategies: () =>
          name === 'parallel' ? [parallelStrategy()] : [incrementalStrategy({ rangeSize: 64 })],
        config: { strategy: { default: name } },
        onNode: (n) => (me = n),
      });
      const factory: SyncNodeFactory = async (ctx) => {
        await prefillCommitted(ctx, chain, COMMITTED);
        await appendUncommitted(ctx, chain, fork);
        return inner(ctx);
      };
      const result = await runScenario({
        seed,
        chains: { main: chain },
        nodes: [
          ...servers(3),
          { id: 'me', role: 'sync', chain: 'main', startAtMs: START_AFTER_MS, sync: factory },
        ],
        links: LINKS,
        until: { deadlineMs: 120_000, condition: 'all-synced' },
      });
      expectSyncedToHonestTip(result);
      // The fork block is gone: every stored block is the honest chain's.
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, []);
      expect(bytesEqual(me!.context.stateMachine.root(), chain.tip.stateRoot)).toBe(true);
      if (name === 'parallel') {
        const [first] = (me!.strategies[0] as ParallelStrategy).reconciliations();
        expect(first).toMatchObject({ kind: 'rolled-back', ancestor: COMMITTED, dropped: 1 });
      }
    },
  );
});

describe('fork handling: a conflicting commit is a safety violation', () => {
  let ours: SimChain;
  let theirs: SimChain;
  beforeAll(async () => {
    // Same seed: same chain id, genesis and validators; other payloads: another chain signed by the same quorum.
    ours = await SimChain.generate({ seed: 51, blocks: 600, epochLength: 300, transactionsPerBlock: 2 });
    theirs = await SimChain.generate({ seed: 51, blocks: 600, epochLength: 300, transactionsPerBlock: 3 });
  }, 60_000);

  it.each([1, 2])(
    'stops with both commit proofs as evidence, storing nothing of the other chain (seed %i)',
    async (seed) => {
      let me: StrategyNode | undefined;
      const inner = strategyNode({
        strategies: () => [parallelStrategy()],
        config: { strategy: { default: 'parallel' } },
        onNode: (n) => (me = n),
      });
      const factory: SyncNodeFactory = async (ctx) => {
        await prefillCommitted(ctx, ours, 256);
        return inner(ctx);
      };
      let failure: SafetyViolationError | undefined;
      const result = await runScenario({
        seed,
        chains: { ours, theirs },
        nodes: [
          { id: 'a', role: 'serve', chain: 'theirs' },
          { id: 'b', role: 'serve', chain: 'theirs' },
          { id: 'me', role: 'sync', chain: 'ours', startAtMs: START_AFTER_MS, sync: factory },
        ],
        links: LINKS,
        until: { deadlineMs: 120_000, condition: () => me?.manager.status().phase.name === 'failed' },
      });
      const outcome = await me!.outcome;
      expect(outcome).toMatchObject({ kind: 'failed', attempts: 1 });
      expect(outcome.kind === 'failed' && outcome.reason).toMatch(
        /two commit proofs for different blocks at height 256/,
      );
      // Nothing past our committed tip was stored.
      expect(result.node('me').store.tip()!.height).toBe(256);
      expectNoInvalidBlockStored(result);
      // The verifier keeps the evidence: our proof conflicts with the one it verified from them.
      const check = me!.context.verifier.checkCommitConflict(ours.store.commitProof(256)!);
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.failure.check).toBe('safety.conflicting-commit');
        failure = new SafetyViolationError(check.failure.message, check.failure.evidence!);
        expect(failure.evidence.kind).toBe('conflicting-commit');
      }
    },
  );
});
