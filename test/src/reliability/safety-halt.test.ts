import {
  bytesEqual,
  decodeHeader,
  HEADER_LENGTH,
  hashOfEncodedBlock,
  type SafetyEvidence,
  type SyncManagerEvents,
  type SyncOutcome,
  systemClock,
} from '@hotsync/core';
import { type Behaviour, runScenario, SimChain, type SyncNodeFactory } from '@hotsync/simnet';
import { parallelStrategy } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { beforeAll, describe, expect, it } from 'vitest';
import { conflictingChain } from '../fixtures/conflicting-chain.js';
import { phaseNames, START_AFTER_MS, type StrategyNode, strategyNode } from '../harness/strategy-node.js';
import {
  evidenceCommits,
  failedOutcome,
  foreignBlocks,
  logWrites,
  type WriteLog,
} from './safety-halt-scenario.js';

/*
 * Safety halt (issue 11): two commit proofs for different blocks at one height, each a
 * genuine quorum of the real validators (test/src/fixtures/conflicting-chain.ts: a
 * Byzantine quorum signed two chains), coming from different peers, stop the sync for
 * good with both proofs as evidence, naming the peer each came from; nothing past the
 * last height both chains share is applied. Seen at discovery (two peers' proven tips
 * disagree) and mid-download (a peer serves, above a height another peer proved, a chain
 * whose proof at that height names another block). fork.test.ts covers the case where
 * our own stored (prefilled) commit is the first proof; here both come over the wire.
 */
const LINKS = { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 2_000_000 } };
const BLOCKS = 600;
/** The fork's first block: below it both chains are the same. */
const FORK = 250;
/** Far beyond the honest views: no QC of the fork shares an (epoch, view) with an honest one. */
const VIEW_SHIFT = 1_000_000;
/**
 * Mid-download: the height the honest peer serves up to and proves (a height with a stored
 * commit proof in the generated chain, above the fork, below the fork's epoch change at 400).
 */
const PROVEN = 256;
/** Virtual ms into the sync at which a peer of the other chain joins (mid-download). */
const JOIN_AFTER_MS = 380;

let chain: SimChain;
beforeAll(async () => {
  chain = await SimChain.generate({ seed: 61, blocks: BLOCKS, epochLength: 200, transactionsPerBlock: 2 });
}, 60_000);

interface HaltRun {
  readonly me: StrategyNode;
  /** How the (last) sync ended. */
  readonly outcome: SyncOutcome;
  /** The store's tip when the `failed` event fired. */
  readonly tipAtFailure: number | undefined;
  readonly writes: WriteLog;
  readonly failedEvents: SyncManagerEvents['failed'][];
  readonly foreign: number[];
  readonly storeTip: number;
}

async function runHalt(options: {
  readonly seed: number;
  readonly honestUpTo?: number;
  readonly byzantine: readonly (readonly Behaviour[])[];
  /** Virtual ms at which the Byzantine peers come online (default: from the start). */
  readonly byzantineJoinAtMs?: number;
  /** Start the manager again once it synced and a Byzantine peer connected (a second round). */
  readonly restartOnJoin?: boolean;
}): Promise<HaltRun> {
  let me: StrategyNode | undefined;
  let final: Promise<SyncOutcome> | undefined;
  let endedAtMs: number | undefined;
  let settled = false;
  let writes: WriteLog | undefined;
  const failedEvents: SyncManagerEvents['failed'][] = [];
  let tipAtFailure: number | undefined;
  const inner = strategyNode({
    strategies: () => [parallelStrategy()],
    config: { strategy: { default: 'parallel' } },
    onNode: (n) => {
      me = n;
      n.manager.on('failed', (e) => {
        failedEvents.push(e);
        tipAtFailure = n.context.store.tip()?.height;
      });
    },
  });
  const factory: SyncNodeFactory = async (ctx) => {
    writes = logWrites(ctx.store);
    const node = await inner(ctx);
    final = me!.outcome;
    if (options.restartOnJoin) {
      let restarted = false;
      final = me!.outcome.then(
        (first) =>
          new Promise<SyncOutcome>((resolve) => {
            if (first.kind !== 'synced') return resolve(first);
            const restart = () => {
              if (restarted) return;
              restarted = true;
              unsubscribe();
              void me!.manager.start().then(resolve);
            };
            // Once every peer of the other chain is connected: the network height is theirs.
            const allJoined = () =>
              ctx.network.connectedPeers().filter((p) => p.startsWith('fork')).length ===
              options.byzantine.length;
            const unsubscribe = ctx.network.onPeerEvent((e) => {
              if (e.type === 'connected' && allJoined()) restart();
            });
            if (allJoined()) restart();
          }),
      );
    }
    void final.then(() => {
      settled = true;
    });
    return node;
  };
  const joinAt = options.byzantineJoinAtMs;
  const result = await runScenario({
    seed: options.seed,
    chains: { main: chain },
    nodes: [
      {
        id: 'honest',
        role: 'serve',
        chain: 'main',
        ...(options.honestUpTo !== undefined && { upToHeight: options.honestUpTo }),
      },
      ...options.byzantine.map((behaviours, i) => ({
        id: `fork${i}`,
        role: 'serve' as const,
        chain: 'main',
        behaviours,
        ...(joinAt !== undefined && { online: false }),
      })),
      { id: 'me', role: 'sync', chain: 'main', startAtMs: START_AFTER_MS, sync: factory },
    ],
    links: LINKS,
    faults:
      joinAt === undefined
        ? []
        : options.byzantine.map((_, i) => ({ atMs: joinAt, kind: 'join' as const, node: `fork${i}` })),
    until: {
      deadlineMs: 180_000,
      // Some virtual time after the end: nothing may be written after a halt either.
      condition: (view) => {
        if (endedAtMs === undefined && settled) endedAtMs = view.elapsedMs;
        return endedAtMs !== undefined && view.elapsedMs >= endedAtMs + 5_000;
      },
    },
  });
  const store = result.node('me').store;
  return {
    me: me!,
    outcome: await final!,
    writes: writes!,
    failedEvents,
    tipAtFailure,
    foreign: foreignBlocks(store, chain),
    storeTip: store.tip()?.height ?? -1,
  };
}

/** The state root after the honest block at `height`. */
function honestStateRoot(height: number): Uint8Array {
  return decodeHeader(chain.store.blockBytes(height)!.subarray(0, HEADER_LENGTH)).stateRoot;
}

/** Both proofs are genuine (each verifies on its own against the real validator set) and conflict. */
async function expectConvincingEvidence(evidence: SafetyEvidence, height: number): Promise<void> {
  const { heights, hashes } = evidenceCommits(evidence);
  expect(heights).toEqual([height, height]);
  expect(bytesEqual(hashes[0]!, hashes[1]!)).toBe(false);
  // One of them commits the honest block at that height; the other the fork's.
  const honestHash = hashOfEncodedBlock(chain.store.blockBytes(height)!);
  expect(hashes.filter((h) => bytesEqual(h, honestHash))).toHaveLength(1);
  if (evidence.kind !== 'conflicting-commit') throw new Error('unreachable');
  // Each proof is named by the peer it came from: the honest block's by the honest peer.
  const honestFirst = bytesEqual(hashes[0]!, honestHash);
  expect(honestFirst ? evidence.firstPeer : evidence.secondPeer).toBe('honest');
  expect(honestFirst ? evidence.secondPeer : evidence.firstPeer).toMatch(/^fork\d$/);
  const epoch = evidence.first.header.epoch;
  const set = chain.generated.validatorSets[epoch]!;
  const next = chain.generated.validatorSets[epoch + 1];
  for (const proof of [evidence.first, evidence.second]) {
    // A third party with nothing but the validator set is convinced by each proof alone.
    const verifier = createVerifier({ chainId: chain.chainId, clock: systemClock, workers: 0 });
    try {
      const verified = await verifier.verifyCommitProof(proof, set, undefined, next);
      expect(verified.ok).toBe(true);
    } finally {
      await verifier.close();
    }
  }
}

describe('safety halt on simnet (real SyncManager, parallel strategy)', () => {
  it.each([1, 2])(
    'at discovery: two peers prove different blocks at their tip; the sync stops with both proofs and peers, storing nothing (seed %i)',
    async (seed) => {
      const run = await runHalt({
        seed,
        byzantine: [[conflictingChain({ fromHeight: FORK, viewShift: VIEW_SHIFT })]],
      });
      const outcome = failedOutcome(run.outcome);
      expect(outcome.attempts).toBe(1); // final: no retry can repair a safety violation
      expect(outcome.reason).toMatch(/two commit proofs for different blocks at height \d+/);
      const evidence = outcome.evidence!;
      expect(evidence).toBeDefined();
      // Where the two proven chains first disagree in what discovery checks: the tips, or an
      // epoch change on the way to them (400 ends epoch 1); never below the fork.
      const height = evidenceCommits(evidence).heights[0]!;
      expect([400, BLOCKS]).toContain(height);
      await expectConvincingEvidence(evidence, height);
      expect(
        evidence.kind === 'conflicting-commit' && [evidence.firstPeer, evidence.secondPeer].sort(),
      ).toEqual(['fork0', 'honest']);
      // The same evidence on the `failed` event, and the manager rests in `failed`.
      expect(run.failedEvents).toHaveLength(1);
      expect(run.failedEvents[0]!.evidence).toBe(evidence);
      expect(run.me.manager.status().phase.name).toBe('failed');
      // Nothing was applied: the store never left genesis.
      expect(run.writes.batches).toBe(0);
      expect(run.storeTip).toBe(0);
      expect(run.foreign).toEqual([]);
      expect(bytesEqual(run.me.context.stateMachine.root(), chain.genesisPoint.stateRoot)).toBe(true);
    },
    120_000,
  );

  it.each([1, 2])(
    'mid-download, a peer joining with another chain: its proven tip conflicts with the one the honest peer proved; the sync stops at once, only honest blocks stored (seed %i)',
    async (seed) => {
      const run = await runHalt({
        seed,
        byzantine: [[conflictingChain({ fromHeight: FORK, viewShift: VIEW_SHIFT })]],
        byzantineJoinAtMs: START_AFTER_MS + JOIN_AFTER_MS,
      });
      const outcome = failedOutcome(run.outcome);
      expect(outcome.attempts).toBe(1);
      const evidence = outcome.evidence!;
      const height = evidenceCommits(evidence).heights[0]!;
      expect([400, BLOCKS]).toContain(height);
      await expectConvincingEvidence(evidence, height);
      if (evidence.kind !== 'conflicting-commit') throw new Error('unreachable');
      // The honest peer proved its block first (at discovery); the joiner's proof came second.
      expect(evidence.firstPeer).toBe('honest');
      expect(evidence.secondPeer).toBe('fork0');
      expect(run.failedEvents.map((e) => e.evidence)).toEqual([evidence]);
      // It was downloading when the joiner showed up: past the fork height, not at the tip.
      expect(phaseNames(run.me.manager)).toEqual(['discovering', 'downloading-blocks', 'failed']);
      expect(run.tipAtFailure).toBeGreaterThanOrEqual(FORK);
      expect(run.tipAtFailure).toBeLessThan(BLOCKS);
      // Everything stored is the honest chain's, and nothing was written after the halt.
      expect(run.foreign).toEqual([]);
      expect(run.storeTip).toBe(run.tipAtFailure);
      expect(run.writes.maxHeight).toBe(run.storeTip);
      expect(outcome.lastGoodHeight).toBe(run.storeTip);
      expect(bytesEqual(run.me.context.stateMachine.root(), honestStateRoot(run.storeTip))).toBe(true);
    },
    120_000,
  );

  it.each([1, 2])(
    'mid-download, blocks that do not extend the height the honest peer proved: the serving peer proves another block there; the sync stops, nothing past that height applied (seed %i)',
    async (seed) => {
      // Round 1: the honest peer (which holds up to PROVEN) is the only one; the node syncs
      // to PROVEN, the verifier remembering the honest proof. Round 2: two peers of the
      // other chain join; their blocks above PROVEN do not link to ours, so one is asked to
      // prove its block at PROVEN: a genuine proof for another block.
      const other = [conflictingChain({ fromHeight: FORK, viewShift: VIEW_SHIFT })];
      const run = await runHalt({
        seed,
        honestUpTo: PROVEN,
        byzantine: [other, other],
        byzantineJoinAtMs: 60_000,
        restartOnJoin: true,
      });
      const outcome = failedOutcome(run.outcome);
      expect(outcome.attempts).toBe(1);
      const evidence = outcome.evidence!;
      expect(evidence).toBeDefined();
      // The conflict is at PROVEN, or at an epoch change the joiners proved on the way.
      const height = evidenceCommits(evidence).heights[0]!;
      expect(height).toBe(PROVEN);
      await expectConvincingEvidence(evidence, PROVEN);
      if (evidence.kind !== 'conflicting-commit') throw new Error('unreachable');
      expect(evidence.firstPeer).toBe('honest');
      expect(evidence.secondPeer).toMatch(/^fork[01]$/);
      expect(run.failedEvents.map((e) => e.evidence)).toEqual([evidence]);
      // Nothing past the proven height was ever written, and everything written is honest.
      expect(run.writes.maxHeight).toBe(PROVEN);
      expect(run.storeTip).toBe(PROVEN);
      expect(run.foreign).toEqual([]);
      expect(outcome.lastGoodHeight).toBe(PROVEN);
      expect(bytesEqual(run.me.context.stateMachine.root(), honestStateRoot(PROVEN))).toBe(true);
    },
    120_000,
  );
});
