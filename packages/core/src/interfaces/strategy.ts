import type { ChainSpec } from '../chain/chain-spec.js';
import type { Block, CommitProof, ValidatorSet } from '../chain/types.js';
import type { SyncConfig } from '../config.js';
import { InvalidArgumentError } from '../errors.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import type { Random } from '../random.js';
import type { Clock } from '../time/clock.js';
import type { ChainStore, StoredBlock } from './chain-store.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { PeerId, SyncNetwork } from './network.js';
import type { PeerManager, RequestOutcome } from './peer-manager.js';
import type { StateMachine } from './state-machine.js';
import type { SyncPhase, SyncPhaseName, SyncTarget } from './sync-manager.js';
import type { BlockVerifier, TrustedPoint, Verification, VerifiedRange } from './verifier.js';

/**
 * What a strategy may use while it runs. The SyncManager builds it; a strategy never
 * reaches for anything else, so the same strategy runs on libp2p and in simnet.
 */
export interface SyncContext {
  readonly config: SyncConfig;
  /** Decodes and reads blocks of the chain's format. */
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
  /** Progress of the current phase; strategies advance it as items complete. */
  readonly progress: ProgressTracker;
  /** The local verified tip. */
  trusted(): TrustedPoint;
  /** The validator set of `epoch`, when known (stored, or learned from verified epoch changes). */
  validatorSet(epoch: number): ValidatorSet | undefined;
  /**
   * Learns the validator sets up to `epoch` from verified epoch-change proofs asked of
   * `peer`. Rejects with a RequestError when the peer cannot serve them, and with a
   * VerificationFailureError (the peer is already blamed) when they do not verify.
   */
  learnEpochs(epoch: number, peer: PeerId, signal: AbortSignal): Promise<void>;
  phase(): SyncPhase;
  /** Moves the manager to another phase (InvalidPhaseError when the transition or its entry condition is not allowed). */
  enterPhase(phase: SyncPhase, reason: string): void;
  /**
   * Executes a verified range through the state machine, checks its state roots, and
   * persists blocks, tip, proof, validator sets and checkpoint in one transaction.
   * Allowed while downloading blocks or catching up. A wrong root is a failure naming the
   * block and the peer that sent it; the state is rolled back and nothing is stored.
   */
  commit(range: VerifiedRange<Block>): Promise<Verification<void>>;
  /**
   * After a snapshot import finished (the state is at `tip.height`): restarts the store at
   * that verified block. Allowed while downloading a snapshot.
   */
  rebase(tip: TrustedPoint, baseBlock: StoredBlock, commitProof: CommitProof): Promise<void>;
  /** Tells the peer manager how a request went (and the manager's listeners of penalties). */
  report(peer: PeerId, outcome: RequestOutcome): void;
}

/** What a strategy intends to do, before doing it (shown to users, used by `adaptive`). */
export interface StrategyPlan {
  readonly strategy: string;
  readonly phases: readonly SyncPhaseName[];
  /** Blocks it expects to download. */
  readonly blocks: number;
  readonly reason: string;
}

export type StrategyResult =
  | { readonly kind: 'reached'; readonly height: number }
  /** Stopped short: the manager decides whether to recover or fail. */
  | { readonly kind: 'incomplete'; readonly height: number; readonly reason: string };

/**
 * A way to sync (DESIGN §5). Shipped: incremental, parallel, fast, adaptive; users register
 * their own by name.
 */
export interface SyncStrategy {
  readonly name: string;
  plan(context: SyncContext, target: SyncTarget): StrategyPlan | Promise<StrategyPlan>;
  run(context: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult>;
}

/** Strategies by name. */
export class StrategyRegistry {
  private readonly strategies = new Map<string, SyncStrategy>();

  constructor(strategies: readonly SyncStrategy[] = []) {
    for (const s of strategies) this.register(s);
  }

  register(strategy: SyncStrategy): this {
    if (!strategy.name) throw new InvalidArgumentError('arg.empty', 'a strategy needs a name');
    if (this.strategies.has(strategy.name)) {
      throw new InvalidArgumentError('arg.duplicate', `strategy "${strategy.name}" is already registered`);
    }
    this.strategies.set(strategy.name, strategy);
    return this;
  }

  get(name: string): SyncStrategy {
    const s = this.strategies.get(name);
    if (!s) {
      throw new InvalidArgumentError(
        'arg.unknown',
        `unknown strategy "${name}" (registered: ${[...this.strategies.keys()].join(', ') || 'none'})`,
      );
    }
    return s;
  }

  has(name: string): boolean {
    return this.strategies.has(name);
  }

  names(): string[] {
    return [...this.strategies.keys()];
  }
}
