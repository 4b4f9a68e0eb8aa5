import {
  type ConsensusEngine,
  MemorySafetyStore,
  type SafetyData,
  VoteGuard,
} from '@hotsync/consensus-adapter';
import { type Block, DecodeError, TypedEmitter } from '@hotsync/core';
import { BlockFetcher } from './block-fetcher.js';
import { BlockTree } from './block-tree.js';
import { Committer } from './committer.js';
import { type HotStuff2EngineOptions, type ResolvedOptions, resolveOptions } from './engine-options.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import { SpeculativeExecutor } from './executor.js';
import { decodeMessage } from './message-codec.js';
import { Pacemaker } from './pacemaker.js';
import { Protocol, type ProtocolParts } from './protocol.js';
import { SafetyRules } from './safety-rules.js';
import { SerialQueue } from './serial-queue.js';
import { openSession, readCommittedTip, type SessionParts } from './session.js';
import type { NodeId } from './transport.js';

export type EngineLifecycle = 'created' | 'running' | 'paused' | 'stopped';

export interface EngineStatus {
  readonly lifecycle: EngineLifecycle;
  readonly view: number;
  readonly committedHeight: number;
  /** View of the highest QC known (undefined before any). */
  readonly highQcView: number | undefined;
  readonly lockedView: number;
  readonly lastVotedView: number;
  /** This node's index in the validator set, undefined when it only follows. */
  readonly validatorIndex: number | undefined;
  /** Uncommitted blocks held (forks included). */
  readonly pendingBlocks: number;
  readonly consecutiveTimeouts: number;
}

/**
 * The reference chained HotStuff-2 engine of the hotsync examples (see README.md), and the
 * `ConsensusEngine` the adapter's SyncCoordinator drives: `pause` before a sync, `deliverCommitted`
 * with what the sync brought, `resume` from the store's tip. Every input (message, timer, API
 * call) runs in one serial queue.
 */
export class HotStuff2Engine implements ConsensusEngine {
  private readonly o: ResolvedOptions;
  private readonly emitter = new TypedEmitter<EngineEvents>();
  private readonly queue: SerialQueue;
  private readonly executor: SpeculativeExecutor;
  private readonly safety: SafetyRules;
  private readonly pacemaker: Pacemaker;
  private readonly parts: ProtocolParts;
  private readonly sessionParts: SessionParts;
  private protocol: Protocol | undefined;
  private lifecycle: EngineLifecycle = 'created';
  private unsubscribe: (() => void) | undefined;

  constructor(options: HotStuff2EngineOptions) {
    const o = resolveOptions(options);
    this.o = o;
    this.queue = new SerialQueue((error) => this.report(error));
    this.executor = new SpeculativeExecutor(o.stateMachine);
    this.safety = new SafetyRules(o.voteGuard ?? new VoteGuard(new MemorySafetyStore()));
    this.pacemaker = new Pacemaker(o.clock, o.random, o.timing, (view) => {
      void this.queue.push(() => this.protocol?.onTimeout(view));
    });
    const schedule = (task: () => Promise<void>) => void this.queue.push(task);
    this.parts = {
      chainId: o.chainId,
      key: o.key,
      store: o.store,
      executor: this.executor,
      safety: this.safety,
      fetcher: new BlockFetcher(o.clock, o.fetchRetryMs),
      pacemaker: this.pacemaker,
      transport: o.transport,
      pending: o.pendingBlocks,
      transactions: o.transactions,
      clock: o.clock,
      logger: o.logger,
      emitter: this.emitter,
      schedule,
      proposeDelayMs: o.proposeDelayMs,
      settings: { maxFetchBlocks: o.maxFetchBlocks, maxClockDriftMs: o.maxClockDriftMs },
      committer: new Committer({
        chainId: o.chainId,
        store: o.store,
        executor: this.executor,
        pending: o.pendingBlocks,
        clock: o.clock,
        emitter: this.emitter,
      }),
    };
    this.sessionParts = {
      chainId: o.chainId,
      key: o.key,
      store: o.store,
      backend: o.signatureBackend,
      nodeIdOf: o.nodeIdOf,
    };
    o.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  /** Starts from the store's tip (and the pending blocks kept), then listens and times views. */
  async start(): Promise<void> {
    if (this.lifecycle !== 'created')
      throw new EngineError('engine.stopped', `cannot start an engine that is ${this.lifecycle}`);
    this.lifecycle = 'running';
    this.unsubscribe = this.o.transport.subscribe((from, bytes) => this.receive(from, bytes));
    await this.queue.push(() => this.begin(), true);
  }

  /** Stops proposing, voting and timing views; undoes speculative execution, so the state is the committed one. */
  async pause(reason: string): Promise<void> {
    if (this.lifecycle !== 'running') return;
    this.lifecycle = 'paused';
    this.halt();
    await this.queue.push(async () => {
      await this.executor.rollbackSpeculation();
      this.emitter.emit('paused', { reason });
    }, true);
  }

  /**
   * Participates again from the store's tip: its commit proof's QC is the high QC, views
   * continue above the last voted view, the tip's view and its proof's views.
   */
  async resume(fromHeight: number): Promise<void> {
    if (this.lifecycle === 'created') throw new EngineError('engine.not-started', 'start the engine first');
    if (this.lifecycle === 'stopped') throw new EngineError('engine.stopped', 'the engine was stopped');
    if (this.lifecycle === 'running') return;
    this.lifecycle = 'running';
    await this.queue.push(async () => {
      await this.begin();
      if (fromHeight !== this.committedHeight() + 1) {
        this.o.logger.warn(
          { fromHeight, committed: this.committedHeight() },
          'resuming from the store tip instead',
        );
      }
      this.emitter.emit('resumed', { fromHeight: this.committedHeight() + 1, view: this.pacemaker.view() });
    }, true);
  }

  committedHeight(): number {
    return this.protocol?.tree.root().height ?? this.o.store.tip()?.height ?? 0;
  }

  /** Committed blocks from sync, in order from `committedHeight() + 1` (see Committer.deliver). */
  async deliverCommitted(blocks: readonly Block[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.queue.push(async () => {
      const protocol = this.protocol;
      if (!protocol) throw new EngineError('engine.not-started', 'start the engine before delivering blocks');
      await this.parts.committer.deliver(protocol.tree, protocol.session, blocks);
    }, true);
  }

  safetyData(): SafetyData {
    return this.safety.safetyData();
  }

  status(): EngineStatus {
    const protocol = this.protocol;
    const safety = this.safety.safetyData();
    return {
      lifecycle: this.lifecycle,
      view: this.pacemaker.view(),
      committedHeight: this.committedHeight(),
      highQcView: protocol?.tree.highQc()?.vote.view,
      lockedView: this.safety.locked().view,
      lastVotedView: safety.lastVotedView,
      validatorIndex: protocol?.session.me,
      pendingBlocks: protocol ? protocol.tree.size() - 1 : 0,
      consecutiveTimeouts: this.pacemaker.timeouts(),
    };
  }

  /** Resolves once every queued input has been handled (tests step virtual time with it). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops for good: no more inputs; waits for the one running. Stores stay open (the caller owns them). */
  async stop(): Promise<void> {
    if (this.lifecycle === 'stopped') return;
    this.lifecycle = 'stopped';
    this.unsubscribe?.();
    this.halt();
    await this.queue.idle();
  }

  private halt(): void {
    if (this.protocol) this.protocol.active = false;
    this.pacemaker.stop();
  }

  /** (Re)builds the replica from the store's tip and the kept pending blocks, then enters a view. */
  private async begin(): Promise<void> {
    const tip = readCommittedTip(this.o.store);
    const point = tip.root.point;
    await this.executor.reconcile(point, this.o.store);
    let protocol = this.protocol;
    if (!protocol) {
      protocol = new Protocol(
        this.parts,
        openSession(this.sessionParts, point.validatorSet),
        new BlockTree(tip.root),
      );
      this.protocol = protocol;
    } else {
      if (protocol.session.roster.epoch !== point.validatorSet.epoch) {
        protocol.session = openSession(this.sessionParts, point.validatorSet); // a sync crossed an epoch change
      }
      protocol.tree.rebase(tip.root);
    }
    this.parts.fetcher.clearStash();
    await protocol.adopt(this.o.pendingBlocks.load(), this.o.transport.self, true);
    protocol.active = true;
    protocol.proposer.reset();
    const view = Math.max(
      this.pacemaker.view(),
      this.safety.firstVotableView(),
      point.view + 1,
      tip.proofView + 1,
      (protocol.tree.highQc()?.vote.view ?? 0) + 1,
    );
    protocol.enterView(view, 'start');
    // Announce the view at once: the leader of a view nobody reached by a QC needs a quorum of new-views.
    protocol.sendNewView(view);
    await protocol.proposer.tryPropose();
  }

  private receive(from: NodeId, bytes: Uint8Array): void {
    if (this.lifecycle === 'stopped') return;
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(bytes, this.o.limits);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      // Through the queue: a listener that throws must not throw into the transport.
      void this.queue.push(() =>
        this.emitter.emit('rejected', { from, type: 'undecodable', reason: error.message }),
      );
      return;
    }
    void this.queue.push(() => this.protocol?.onMessage(from, message));
  }

  private report(error: unknown): void {
    this.o.logger.error({ err: error }, 'consensus engine task failed');
    try {
      this.emitter.emit('error', { error });
    } catch {
      // A listener that throws on an error report must not take the queue down.
    }
  }
}
