import { setMaxListeners } from 'node:events';
import { type ChainSpec, referenceChainSpec } from '../chain/chain-spec.js';
import { twoChainProof } from '../chain/commit-proof.js';
import type { Block, TrustAnchor, ValidatorSet } from '../chain/types.js';
import { parseSyncConfig, type SyncConfig, type SyncConfigInput } from '../config.js';
import { bytesEqual } from '../encoding/bytes.js';
import {
  AbortedError,
  HotsyncError,
  InvalidArgumentError,
  SyncError,
  type SyncErrorCode,
  throwIfAborted,
} from '../errors.js';
import { TypedEmitter } from '../events.js';
import type { ChainStore } from '../interfaces/chain-store.js';
import { type Logger, silentLogger } from '../interfaces/logger.js';
import { type Metrics, noopMetrics } from '../interfaces/metrics.js';
import type { PeerId, SyncNetwork } from '../interfaces/network.js';
import type { PeerManager } from '../interfaces/peer-manager.js';
import type { StateMachine } from '../interfaces/state-machine.js';
import { StrategyRegistry, type SyncStrategy } from '../interfaces/strategy.js';
import type {
  SnapshotId,
  SyncManager,
  SyncManagerEvents,
  SyncOutcome,
  SyncPhaseName,
  SyncProgress,
  SyncStatus,
  SyncTarget,
} from '../interfaces/sync-manager.js';
import { type BlockVerifier, type SafetyEvidence, SafetyViolationError } from '../interfaces/verifier.js';
import { ProgressTracker } from '../progress/progress-tracker.js';
import { type Random, systemRandom } from '../random.js';
import { type Clock, every, sleep, systemClock } from '../time/clock.js';
import { Discovery } from './discovery.js';
import { prepareLocalState } from './local-state.js';
import { PhaseMachine } from './phase-machine.js';
import { SyncMetrics } from './sync-metrics.js';
import { SyncSession } from './sync-session.js';
import { timedVerifier } from './timed-verifier.js';

export interface SyncManagerOptions {
  readonly config?: SyncConfigInput;
  /** Genesis or a waypoint the operator trusts. */
  readonly anchor: TrustAnchor;
  /** The anchor block's encoding, when known locally; otherwise fetched from peers and checked against the anchor hash. */
  readonly anchorBlock?: Uint8Array;
  readonly store: ChainStore;
  readonly stateMachine: StateMachine;
  readonly verifier: BlockVerifier<Block>;
  readonly peers: PeerManager;
  readonly network: SyncNetwork;
  readonly strategies: readonly SyncStrategy[] | StrategyRegistry;
  readonly chain?: ChainSpec<Block>;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Attempts before a failure is final (default: `network.retryAttempts + 1`). */
  readonly maxAttempts?: number;
  /** Back-off before the n-th retry: `min(maxMs, baseMs · 2^(n-1))` (defaults 1 s and 30 s). */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

/** Phases in which the manager is not running a sync: the only ones that accept manual requests. */
const AT_REST: readonly SyncPhaseName[] = ['idle', 'synced', 'failed'];

/**
 * The default SyncManager (DESIGN §4): runs strategies through the strict phase machine,
 * verifies everything through the injected verifier, persists with checkpoints, and
 * recovers from failed attempts with bounded, backed-off retries. Strategies, verifier,
 * peer manager, network, store, state machine and clock are all constructor arguments.
 */
export class DefaultSyncManager implements SyncManager {
  readonly config: SyncConfig;
  private readonly chain: ChainSpec<Block>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly registry: StrategyRegistry;
  private readonly emitter = new TypedEmitter<SyncManagerEvents>();
  private readonly phases: PhaseMachine;
  private readonly tracker: ProgressTracker;
  private readonly syncMetrics: SyncMetrics;
  private readonly learnedSets = new Map<number, ValidatorSet>();
  private readonly discovery: Discovery;
  private readonly session: SyncSession;
  private readonly maxAttempts: number;
  private readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  private running: Promise<SyncOutcome> | undefined;
  private stopController: AbortController | undefined;
  private currentTarget: { height: number; strategy: string } | undefined;
  private stateReady = false;
  /** The running attempt's signal: late peers are probed under it. */
  private attemptSignal: AbortSignal | undefined;
  /** ...and its controller: a safety violation found by a late probe ends the attempt. */
  private attemptController: AbortController | undefined;
  /** A strategy forced by a manual request (downloadStateSnapshot), instead of the configured one. */
  private strategyOverride: string | undefined;

  constructor(private readonly options: SyncManagerOptions) {
    this.config = parseSyncConfig(options.config ?? {});
    this.chain = options.chain ?? referenceChainSpec();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.registry =
      options.strategies instanceof StrategyRegistry
        ? options.strategies
        : new StrategyRegistry(options.strategies);
    this.maxAttempts = options.maxAttempts ?? this.config.network.retryAttempts + 1;
    this.backoff = options.backoff ?? { baseMs: 1_000, maxMs: 30_000 };
    this.syncMetrics = new SyncMetrics(
      this.config.monitoring.enabled ? (options.metrics ?? noopMetrics) : noopMetrics,
      this.clock,
    );
    const verifier = timedVerifier(options.verifier, this.syncMetrics, this.clock);
    this.tracker = new ProgressTracker({
      clock: this.clock,
      stallAfterMs: this.config.progress.stallTimeoutMs,
    });
    this.phases = new PhaseMachine(
      this.clock,
      () => options.store.tip()?.height ?? options.anchor.height,
      (transition) => {
        this.syncMetrics.phaseEntered(transition.to.name);
        this.logger.info(
          { from: transition.from, to: transition.to.name, reason: transition.reason },
          'sync phase',
        );
        this.emitter.emit('phase', transition);
      },
    );
    this.discovery = new Discovery({
      network: options.network,
      peers: options.peers,
      verifier,
      store: options.store,
      chain: this.chain,
      logger: this.logger,
      learnedSets: this.learnedSets,
      clock: this.clock,
      peerWaitMs: this.config.network.connectionTimeoutMs,
      enoughProven: this.config.peers.minSyncPeers,
      graceMs: 500,
    });
    this.session = new SyncSession({
      config: this.config,
      chain: this.chain,
      store: options.store,
      network: options.network,
      peers: options.peers,
      verifier,
      stateMachine: options.stateMachine,
      clock: this.clock,
      random: options.random ?? systemRandom,
      logger: this.logger,
      metrics: options.metrics ?? noopMetrics,
      progress: this.tracker,
      phases: this.phases,
      syncMetrics: this.syncMetrics,
      learnedSets: this.learnedSets,
      learnEpochs: (epoch, peer, signal) => this.discovery.learnEpochs(epoch, peer, signal),
      target: () => this.currentTarget ?? { height: options.store.tip()?.height ?? 0, strategy: 'none' },
    });
    // Peers come and go during a sync: a newcomer is proven and used, a leaver is dropped.
    options.network.onPeerEvent((event) => {
      switch (event.type) {
        case 'connected':
          if (this.attemptSignal && !this.attemptSignal.aborted) {
            const attempt = this.attemptController;
            this.discovery.probeLate(event.peer, this.attemptSignal, (violation) =>
              attempt?.abort(violation),
            );
          }
          return;
        case 'disconnected':
          options.peers.removePeer(event.peer);
          return;
        case 'status':
          options.peers.updateStatus(event.peer, event.status);
          return;
      }
    });
    options.peers.onEvent((event) => {
      switch (event.type) {
        case 'penalized':
          this.emitter.emit('peer:penalized', { peer: event.peer, level: event.level, reason: event.reason });
          return;
        case 'banned':
          this.emitter.emit('peer:banned', {
            peer: event.peer,
            reason: event.reason,
            untilMs: event.untilMs,
          });
          return;
        case 'unbanned':
        case 'disconnect':
        case 'circuit':
          return;
      }
    });
  }

  /** The context strategies run in (exposed for tools and tests that drive a strategy by hand). */
  context(): SyncSession {
    return this.session;
  }

  start(target?: SyncTarget): Promise<SyncOutcome> {
    if (!this.running) {
      this.stopController = new AbortController();
      this.running = this.run(target, this.stopController.signal).finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopController?.abort(new AbortedError('stopped'));
    await this.running;
  }

  status(): SyncStatus {
    return {
      phase: this.phases.current(),
      localHeight: this.options.store.tip()?.height ?? this.options.anchor.height,
      targetHeight: this.currentTarget?.height,
      strategy: this.currentTarget?.strategy,
      peers: this.syncPeers().length,
      history: this.phases.history(),
    };
  }

  // ---- the run loop -------------------------------------------------------------------

  private async run(explicit: SyncTarget | undefined, stop: AbortSignal): Promise<SyncOutcome> {
    let attempts = 0;
    const progressTimer = every(this.clock, this.config.progress.reportIntervalMs, () =>
      this.emitter.emit('progress', this.progress()),
    );
    try {
      for (;;) {
        const attempt = new AbortController();
        // Every request in flight listens on this signal (and removes its listener when it
        // ends): allow that many without Node's leak warning, which fires at 11.
        setMaxListeners(this.config.performance.parallelDownloadLimit * 4 + 16, attempt.signal);
        const onStop = () => attempt.abort(stop.reason);
        stop.addEventListener('abort', onStop, { once: true });
        const unwatch = this.tracker.onStall((ms) =>
          attempt.abort(new SyncError('sync.stalled', `no progress for ${ms} ms`)),
        );
        this.attemptSignal = attempt.signal;
        this.attemptController = attempt;
        try {
          return await this.attempt(explicit, attempts, attempt.signal);
        } catch (err) {
          if (stop.aborted) return this.stopped();
          const failure = describeFailure(err, attempt.signal);
          if (failure.final)
            return this.fail(failure.reason, failure.code, Math.max(1, attempts + 1), failure.evidence);
          attempts++;
          this.syncMetrics.failed(failure.code);
          this.logger.warn({ attempt: attempts, reason: failure.reason }, 'sync attempt failed');
          if (attempts >= this.maxAttempts) return this.fail(failure.reason, failure.code, attempts);
          this.phases.enter(
            { name: 'failed', reason: failure.reason, lastGoodHeight: this.localHeight(), attempts },
            `attempt ${attempts} failed: ${failure.reason}`,
          );
          try {
            await sleep(
              this.clock,
              Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (attempts - 1)),
              stop,
            );
          } catch {
            return this.stopped();
          }
        } finally {
          stop.removeEventListener('abort', onStop);
          unwatch();
        }
      }
    } finally {
      progressTimer.cancel();
      this.tracker.stop();
    }
  }

  private async attempt(
    explicit: SyncTarget | undefined,
    attempts: number,
    signal: AbortSignal,
  ): Promise<SyncOutcome> {
    this.phases.enter(
      { name: 'discovering' },
      attempts === 0 ? 'sync started' : `recovery: attempt ${attempts + 1}`,
    );
    this.tracker.plan([{ name: 'discovering', total: 1 }]);
    this.tracker.startPhase('discovering', 1);
    this.stateReady = await prepareLocalState(
      {
        anchor: this.options.anchor,
        anchorBlock: this.options.anchorBlock,
        chain: this.chain,
        store: this.options.store,
        stateMachine: this.options.stateMachine,
        network: this.options.network,
        logger: this.logger,
      },
      signal,
    );
    const found = await this.discovery.run(explicit ?? this.resumeTarget(), signal);
    if (!found.target) {
      throw new SyncError('sync.no-peers', `no peer proved a height (${found.peersAsked} asked)`);
    }
    const target = found.target;
    this.tracker.completePhase();
    const local = this.localHeight();
    if (local >= target.height) return this.synced(`already at ${local} (target ${target.height})`);

    const name = this.chooseStrategy();
    const strategy = this.registry.get(name);
    this.currentTarget = { height: target.height, strategy: name };
    this.syncMetrics.target(target.height);
    const plan = await strategy.plan(this.session, target);
    this.logger.info({ strategy: name, target: target.height, plan: plan.reason }, 'sync plan');
    this.tracker.plan([
      { name: 'discovering', total: 1 },
      ...plan.phases.filter((p) => p !== 'discovering').map((p) => ({ name: p, total: 0 })),
    ]);
    const result = await strategy.run(this.session, target, signal);
    throwIfAborted(signal);
    switch (result.kind) {
      case 'reached':
        return this.verifyReached(target);
      case 'incomplete':
        throw new SyncError('sync.incomplete', `${name} stopped at ${result.height}: ${result.reason}`);
    }
  }

  /** A strategy said it reached the target: check it did (height, and hash when known). */
  private verifyReached(target: SyncTarget): SyncOutcome {
    const tip = this.options.store.tip()!;
    if (tip.height < target.height) {
      throw new SyncError(
        'sync.incomplete',
        `strategy reported the target but the tip is ${tip.height} < ${target.height}`,
      );
    }
    if (target.hash) {
      const stored = this.options.store.blockBytes(target.height);
      const hash = stored && this.chain.hash(this.chain.decode(stored));
      if (!hash || !bytesEqual(hash, target.hash)) {
        throw new SyncError(
          'sync.incomplete',
          `the block stored at ${target.height} is not the target block`,
        );
      }
    }
    if (!bytesEqual(this.options.stateMachine.root(), tip.stateRoot)) {
      throw new SyncError('sync.state-mismatch', 'the state root is not the tip header’s after sync');
    }
    return this.synced(`reached ${tip.height}`);
  }

  /** Resume toward the target recorded in the last checkpoint when the caller gives none. */
  private resumeTarget(): SyncTarget | undefined {
    const checkpoint = this.options.store.checkpoint();
    const tip = this.options.store.tip();
    return checkpoint && tip && checkpoint.targetHeight > tip.height
      ? { height: checkpoint.targetHeight }
      : undefined;
  }

  private chooseStrategy(): string {
    const configured = this.strategyOverride ?? this.config.strategy.default;
    if (!this.stateReady) {
      // No state at the base: only a snapshot can bring it; a strategy that replays blocks would fail.
      if (this.registry.has('fast')) return 'fast';
      throw new SyncError(
        'sync.no-strategy',
        'the state is not at the store base and no "fast" strategy is registered',
      );
    }
    if (!this.registry.has(configured)) {
      throw new SyncError(
        'sync.no-strategy',
        `strategy "${configured}" is not registered (${this.registry.names().join(', ')})`,
      );
    }
    return configured;
  }

  private synced(reason: string): SyncOutcome {
    const tip = this.options.store.tip()!;
    this.phases.enter({ name: 'synced', height: tip.height }, reason);
    this.emitter.emit('synced', { height: tip.height, hash: tip.hash });
    return { kind: 'synced', height: tip.height, hash: tip.hash };
  }

  private fail(reason: string, code: string, attempts: number, evidence?: SafetyEvidence): SyncOutcome {
    const lastGoodHeight = this.localHeight();
    this.syncMetrics.failed(code);
    this.phases.enter({ name: 'failed', reason, lastGoodHeight, attempts }, `giving up: ${reason}`);
    const failed = { reason, lastGoodHeight, attempts, ...(evidence && { evidence }) };
    this.emitter.emit('failed', failed);
    return { kind: 'failed', ...failed };
  }

  private stopped(): SyncOutcome {
    if (!this.phases.is('idle')) this.phases.enter({ name: 'idle' }, 'stopped');
    return { kind: 'stopped', height: this.localHeight() };
  }

  private localHeight(): number {
    return this.options.store.tip()?.height ?? this.options.anchor.height;
  }

  // ---- manual requests (refused while a sync runs) ------------------------------------

  async syncBlocks(fromHeight: number, toHeight: number, signal?: AbortSignal): Promise<Block[]> {
    this.phases.assertIn(AT_REST, 'syncBlocks');
    const tip = this.localHeight();
    if (fromHeight > tip + 1 || toHeight < fromHeight) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `syncBlocks(${fromHeight}, ${toHeight}) with the tip at ${tip}`,
      );
    }
    if (toHeight > tip) {
      const outcome = await this.startWithSignal({ height: toHeight }, signal);
      if (outcome.kind !== 'synced')
        throw new SyncError('sync.incomplete', `syncBlocks stopped: ${describeOutcome(outcome)}`);
    }
    return [...this.options.store.iterateBlocks(fromHeight, toHeight)].map((b) => this.chain.decode(b.bytes));
  }

  async syncSingleBlock(height: number, signal?: AbortSignal): Promise<Block | undefined> {
    const stored = this.options.store.blockBytes(height);
    if (stored) return this.chain.decode(stored);
    if (height < (this.options.store.base() ?? 0)) return undefined;
    try {
      const blocks = await this.syncBlocks(this.localHeight() + 1, height, signal);
      return blocks[blocks.length - 1];
    } catch (err) {
      if (err instanceof SyncError) return undefined;
      throw err;
    }
  }

  /**
   * Checks blocks that follow the local tip without storing them: links, rules and
   * signatures, with the commit of the longest prefix that the blocks themselves prove
   * (a two-chain inside them); the blocks after it must be its certified descendants.
   */
  async verifyBlockChain(blocks: readonly Block[]): Promise<boolean> {
    if (blocks.length === 0) return true;
    const trusted = this.session.trusted();
    let end = blocks.length - 3;
    while (end >= 0 && !twoChainProof(blocks[end]!, blocks[end + 1]!, blocks[end + 2]!)) end--;
    if (end < 0) return false;
    const proof = twoChainProof(blocks[end]!, blocks[end + 1]!, blocks[end + 2]!)!;
    const result = await this.options.verifier.verifyRange({
      trusted,
      blocks: blocks.slice(0, end + 1).map((b) => ({ bytes: this.chain.encode(b), peer: 'local' })),
      commitProof: { proof, peer: 'local' },
      mode: 'full',
    });
    if (!result.ok) return false;
    // The rest are certified children of the committed prefix (their QCs were checked in the proof or follow it).
    for (let i = end + 1; i < blocks.length; i++) {
      if (!bytesEqual(this.chain.parentHash(blocks[i]!), this.chain.hash(blocks[i - 1]!))) return false;
    }
    return true;
  }

  async syncStateToHeight(height: number, signal?: AbortSignal): Promise<void> {
    this.phases.assertIn(AT_REST, 'syncStateToHeight');
    if (height > this.localHeight()) await this.syncBlocks(this.localHeight() + 1, height, signal);
    const stateHeight = this.options.stateMachine.height();
    if (stateHeight !== height) {
      throw new SyncError(
        'sync.state-mismatch',
        `the state is at ${stateHeight}; it follows the verified tip and cannot be moved to ${height} alone`,
      );
    }
  }

  async downloadStateSnapshot(id: SnapshotId, signal?: AbortSignal): Promise<void> {
    this.phases.assertIn(AT_REST, 'downloadStateSnapshot');
    if (!this.registry.has('fast'))
      throw new SyncError('sync.no-strategy', 'no "fast" strategy is registered');
    const outcome = await this.startWithSignal({ height: id.height, snapshot: id }, signal, 'fast');
    if (outcome.kind !== 'synced')
      throw new SyncError('sync.incomplete', `snapshot download: ${describeOutcome(outcome)}`);
  }

  async verifyStateConsistency(height: number): Promise<boolean> {
    const sm = this.options.stateMachine;
    if (sm.height() !== height) return false;
    const stored = this.options.store.blockBytes(height);
    if (!stored) return false;
    return bytesEqual(sm.root(), this.chain.stateRoot(this.chain.decode(stored)));
  }

  addSyncPeer(peer: PeerId, options?: { trusted?: boolean }): void {
    this.options.peers.addPeer(peer, options);
  }

  removeSyncPeer(peer: PeerId): void {
    this.options.peers.removePeer(peer);
  }

  syncPeers(): readonly PeerId[] {
    return this.options.peers
      .peers()
      .filter((p) => !p.banned)
      .map((p) => p.peer);
  }

  progress(): SyncProgress {
    const report = this.tracker.report();
    return {
      phase: this.phases.current().name,
      current: report.current,
      overall: report.overall,
      phasesDone: report.phasesDone,
      phasesRemaining: report.phasesRemaining,
      sinceProgressMs: report.sinceProgressMs,
    };
  }

  estimateCompletion(): number | undefined {
    return this.tracker.overallFigures().etaMs;
  }

  on<E extends keyof SyncManagerEvents>(
    event: E,
    listener: (payload: SyncManagerEvents[E]) => void,
  ): () => void {
    return this.emitter.on(event, listener);
  }

  /** Runs a sync for a manual request (optionally with a given strategy), stopped when `signal` aborts. */
  private async startWithSignal(
    target: SyncTarget,
    signal: AbortSignal | undefined,
    strategy?: string,
  ): Promise<SyncOutcome> {
    this.strategyOverride = strategy;
    const onAbort = () => void this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.start(target);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.strategyOverride = undefined;
    }
  }
}

/** Creates the default SyncManager. */
export function createSyncManager(options: SyncManagerOptions): DefaultSyncManager {
  return new DefaultSyncManager(options);
}

function describeOutcome(outcome: SyncOutcome): string {
  switch (outcome.kind) {
    case 'synced':
      return `synced at ${outcome.height}`;
    case 'failed':
      return `failed: ${outcome.reason}`;
    case 'stopped':
      return `stopped at ${outcome.height}`;
  }
}

/** Which failures end the sync for good (no retry can fix them) and how to name them. */
function describeFailure(
  err: unknown,
  attempt: AbortSignal,
): { reason: string; code: string; final: boolean; evidence?: SafetyEvidence } {
  // A safety violation, thrown where it was found or aborting the attempt from a background probe.
  const violation =
    err instanceof SafetyViolationError
      ? err
      : attempt.aborted && attempt.reason instanceof SafetyViolationError
        ? attempt.reason
        : undefined;
  if (violation) {
    return { reason: violation.message, code: violation.code, final: true, evidence: violation.evidence };
  }
  const stall = attempt.aborted && attempt.reason instanceof SyncError ? attempt.reason : undefined;
  if (stall) return { reason: stall.message, code: stall.code, final: false };
  if (err instanceof SyncError) {
    const final: readonly SyncErrorCode[] = ['sync.anchor', 'sync.state-mismatch', 'sync.no-strategy'];
    return { reason: err.message, code: err.code, final: final.includes(err.code) };
  }
  if (err instanceof HotsyncError) return { reason: err.message, code: err.code, final: false };
  // Not ours to interpret (a bug in a strategy or a user component): fail loudly, no retry.
  return { reason: err instanceof Error ? err.message : String(err), code: 'internal', final: true };
}
