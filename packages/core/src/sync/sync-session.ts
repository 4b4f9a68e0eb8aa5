import type { ChainSpec } from '../chain/chain-spec.js';
import type { Block, CommitProof, ValidatorSet } from '../chain/types.js';
import type { SyncConfig } from '../config.js';
import { StoreError } from '../errors.js';
import type { BlockBatch, ChainStore, Checkpoint, StoredBlock } from '../interfaces/chain-store.js';
import type { Logger } from '../interfaces/logger.js';
import type { Metrics } from '../interfaces/metrics.js';
import type { PeerId, SyncNetwork } from '../interfaces/network.js';
import type { PeerManager, RequestOutcome } from '../interfaces/peer-manager.js';
import type { StateMachine } from '../interfaces/state-machine.js';
import type { SyncContext } from '../interfaces/strategy.js';
import type { SyncPhase } from '../interfaces/sync-manager.js';
import type { BlockVerifier, TrustedPoint, Verification, VerifiedRange } from '../interfaces/verifier.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import type { Random } from '../random.js';
import type { Clock } from '../time/clock.js';
import type { PhaseMachine } from './phase-machine.js';
import type { SyncMetrics } from './sync-metrics.js';

/** Everything a session is built from (the manager's components). */
export interface SyncSessionParts {
  readonly config: SyncConfig;
  readonly chain: ChainSpec<Block>;
  readonly store: ChainStore;
  readonly network: SyncNetwork;
  readonly peers: PeerManager;
  readonly verifier: BlockVerifier<Block>;
  readonly stateMachine: StateMachine;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly progress: ProgressTracker;
  readonly phases: PhaseMachine;
  readonly syncMetrics: SyncMetrics;
  /** Validator sets learned from verified epoch changes ahead of the stored chain. */
  readonly learnedSets: ReadonlyMap<number, ValidatorSet>;
  /** Learns validator sets of epochs ahead from verified epoch changes (the Discovery's walk). */
  readonly learnEpochs: (epoch: number, peer: PeerId, signal: AbortSignal) => Promise<void>;
  /** The height this sync is heading for and the strategy driving it (recorded in checkpoints). */
  readonly target: () => { readonly height: number; readonly strategy: string };
}

const ok: Verification<void> = { ok: true, value: undefined };

/**
 * The SyncContext a strategy runs in: the manager's components plus the only ways to
 * change local state (commit a verified range, rebase after a snapshot), each gated by
 * phase, so work that arrives for a phase that has ended is refused rather than applied.
 */
export class SyncSession implements SyncContext {
  readonly config: SyncConfig;
  readonly chain: ChainSpec<Block>;
  readonly store: ChainStore;
  readonly network: SyncNetwork;
  readonly peers: PeerManager;
  readonly verifier: BlockVerifier<Block>;
  readonly stateMachine: StateMachine;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly progress: ProgressTracker;
  private lastCheckpointHeight: number;

  constructor(private readonly parts: SyncSessionParts) {
    this.config = parts.config;
    this.chain = parts.chain;
    this.store = parts.store;
    this.network = parts.network;
    this.peers = parts.peers;
    this.verifier = parts.verifier;
    this.stateMachine = parts.stateMachine;
    this.clock = parts.clock;
    this.random = parts.random;
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.progress = parts.progress;
    this.lastCheckpointHeight = parts.store.checkpoint()?.height ?? 0;
  }

  trusted(): TrustedPoint {
    const tip = this.store.tip();
    if (!tip)
      throw new StoreError(
        'store.not-initialized',
        'the chain store has no tip: the manager initializes it first',
      );
    return tip;
  }

  validatorSet(epoch: number): ValidatorSet | undefined {
    return this.store.validatorSet(epoch) ?? this.parts.learnedSets.get(epoch);
  }

  learnEpochs(epoch: number, peer: PeerId, signal: AbortSignal): Promise<void> {
    return this.parts.learnEpochs(epoch, peer, signal);
  }

  phase(): SyncPhase {
    return this.parts.phases.current();
  }

  enterPhase(phase: SyncPhase, reason: string): void {
    this.parts.phases.enter(phase, reason);
  }

  report(peer: PeerId, outcome: RequestOutcome): void {
    this.peers.recordOutcome(peer, outcome);
  }

  async commit(range: VerifiedRange<Block>): Promise<Verification<void>> {
    this.parts.phases.assertIn(['downloading-blocks', 'catching-up'], 'commit a verified range');
    if (range.blocks.length === 0) return ok;
    const before = this.trusted();
    const mode = this.config.performance.verificationMode;
    const applyStarted = this.clock.now();
    const state = await this.verifier.applyAndCheckState(this.stateMachine, range, mode);
    if (!state.ok) return state;
    this.parts.syncMetrics.applied(range.blocks.length, this.clock.now() - applyStarted);

    const blocks: StoredBlock[] = range.blocks.map((block, i) => ({
      height: this.chain.height(block),
      hash: range.hashes[i]!,
      bytes: range.encoded[i]!,
    }));
    const batch: BlockBatch = {
      blocks,
      tip: range.tip,
      ...(range.commitProof && { commitProof: range.commitProof }),
      validatorSets: range.validatorSets,
      ...this.checkpointFor(range.tip),
    };
    try {
      await this.store.commitBatch(batch);
    } catch (err) {
      // The store refused (or failed): the state must not run ahead of the stored chain.
      await this.stateMachine.rollbackTo(before.height);
      throw err;
    }
    // Every stored range is committed (the verifier required its proof): no undo is ever needed below.
    await this.stateMachine.prune(range.tip.height);
    if (batch.checkpoint) {
      this.lastCheckpointHeight = batch.checkpoint.height;
      this.parts.syncMetrics.checkpoint();
    }
    this.parts.syncMetrics.committed(
      range.tip.height,
      blocks.reduce((n, b) => n + b.bytes.length, 0),
    );
    return ok;
  }

  async rebase(tip: TrustedPoint, baseBlock: StoredBlock, commitProof: CommitProof): Promise<void> {
    this.parts.phases.assertIn(['downloading-snapshot'], 'rebase on a snapshot');
    await this.store.rebase(tip, baseBlock, commitProof);
    await this.stateMachine.prune(tip.height);
    this.lastCheckpointHeight = tip.height;
  }

  private checkpointFor(tip: TrustedPoint): { checkpoint?: Checkpoint } {
    const target = this.parts.target();
    const due =
      tip.height - this.lastCheckpointHeight >= this.config.checkpoints.intervalBlocks ||
      tip.height >= target.height;
    if (!due) return {};
    return {
      checkpoint: {
        height: tip.height,
        hash: tip.hash,
        atMs: Math.floor(this.clock.now()),
        targetHeight: target.height,
        strategy: target.strategy,
      },
    };
  }
}
