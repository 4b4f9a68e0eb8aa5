import {
  type Block,
  type ChainSpec,
  type ChainStore,
  type Clock,
  every,
  type Logger,
  type Metrics,
  noopMetrics,
  type PeerManager,
  parseSyncConfig,
  referenceChainSpec,
  type SyncConfigInput,
  type SyncManager,
  type SyncNetwork,
  type SyncOutcome,
  silentLogger,
  systemClock,
  type Timer,
  TypedEmitter,
} from '@hotsync/core';
import type { ConsensusEngine } from './engine.js';
import { AdapterError } from './errors.js';
import {
  type AdapterMode,
  canProduce,
  decideMode,
  type HysteresisPolicy,
  type ProductionPolicy,
} from './policy.js';

export interface SyncCoordinatorOptions {
  readonly engine: ConsensusEngine;
  readonly manager: SyncManager;
  readonly peers: PeerManager;
  /** The store the manager syncs into: delivered blocks are read from it. */
  readonly store: ChainStore;
  /** When given, a status showing us far behind triggers a check at once. */
  readonly network?: SyncNetwork;
  readonly chain?: ChainSpec<Block>;
  /** `strategy.maxBehindBlocks` and `production` are used. */
  readonly config?: SyncConfigInput;
  /** Between checks (default 30 s). */
  readonly checkIntervalMs?: number;
  /** Resume when at most this many behind (default maxBehindBlocks / 8, at least 1). */
  readonly resumeBehindBlocks?: number;
  /** Ahead of the network by more than this raises `possible-fork` (default maxBehindBlocks). */
  readonly aheadAlarmBlocks?: number;
  /** Blocks per `deliverCommitted` call (default 256). */
  readonly deliveryBatch?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export interface CoordinatorEvents {
  check: {
    readonly localHeight: number;
    readonly networkHeight: number | undefined;
    readonly behind: number | undefined;
  };
  mode: { readonly from: AdapterMode; readonly to: AdapterMode; readonly reason: string };
  'sync-started': { readonly targetHeight: number };
  'sync-finished': { readonly outcome: SyncOutcome };
  delivered: { readonly fromHeight: number; readonly toHeight: number };
  'possible-fork': { readonly localHeight: number; readonly networkHeight: number; readonly ahead: number };
  error: { readonly error: unknown };
}

/**
 * The sync coordinator (DESIGN §7): on an interval, and at once when a peer's status shows
 * us far behind, it compares the engine's committed height with the network height from
 * the peer manager. More than `maxBehindBlocks` behind: pause the engine, sync, verify the
 * result (height reached, state root consistent), deliver the committed blocks in order,
 * and resume once within `resumeBehindBlocks` (hysteresis: no flapping near the threshold).
 * Far ahead of the network: raise `possible-fork`, never sync backwards.
 */
export class SyncCoordinator {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly chain: ChainSpec<Block>;
  private readonly policy: HysteresisPolicy;
  private readonly production: ProductionPolicy;
  private readonly checkIntervalMs: number;
  private readonly deliveryBatch: number;
  private readonly emitter = new TypedEmitter<CoordinatorEvents>();
  private readonly m: {
    checks: ReturnType<Metrics['counter']>;
    syncs: ReturnType<Metrics['counter']>;
    behind: ReturnType<Metrics['gauge']>;
    modeChanges: ReturnType<Metrics['counter']>;
    syncing: ReturnType<Metrics['gauge']>;
  };
  private currentMode: AdapterMode = 'participating';
  private running: Promise<void> | undefined;
  private rerun = false;
  private timer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastTarget: number | undefined;
  private started = false;

  constructor(private readonly options: SyncCoordinatorOptions) {
    const config = parseSyncConfig(options.config ?? {});
    const maxBehind = config.strategy.maxBehindBlocks;
    this.policy = {
      maxBehindBlocks: maxBehind,
      resumeBehindBlocks: options.resumeBehindBlocks ?? Math.max(1, Math.floor(maxBehind / 8)),
      aheadAlarmBlocks: options.aheadAlarmBlocks ?? maxBehind,
    };
    if (this.policy.resumeBehindBlocks > this.policy.maxBehindBlocks) {
      throw new AdapterError(
        'adapter.invalid-option',
        'resumeBehindBlocks must be at most strategy.maxBehindBlocks',
      );
    }
    this.production = config.production;
    this.checkIntervalMs = options.checkIntervalMs ?? 30_000;
    this.deliveryBatch = options.deliveryBatch ?? 256;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.chain = options.chain ?? referenceChainSpec();
    const metrics = options.metrics ?? noopMetrics;
    this.m = {
      checks: metrics.counter({ name: 'hotsync_coordinator_checks_total', help: 'Am-I-behind checks made' }),
      syncs: metrics.counter({
        name: 'hotsync_coordinator_syncs_total',
        help: 'Syncs the coordinator started',
      }),
      behind: metrics.gauge({
        name: 'hotsync_blocks_behind',
        help: 'Blocks behind the network height at the last check',
      }),
      modeChanges: metrics.counter({
        name: 'hotsync_coordinator_mode_changes_total',
        help: 'Switches between participating and syncing',
        labelNames: ['to'],
      }),
      syncing: metrics.gauge({
        name: 'hotsync_coordinator_syncing',
        help: '1 while consensus is paused for sync',
      }),
    };
  }

  mode(): AdapterMode {
    return this.currentMode;
  }

  on<E extends keyof CoordinatorEvents>(
    event: E,
    listener: (payload: CoordinatorEvents[E]) => void,
  ): () => void {
    return this.emitter.on(event, listener);
  }

  /** Checks now and then every `checkIntervalMs`; a far-behind status triggers a check at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.timer = every(this.clock, this.checkIntervalMs, () => void this.check('interval'));
    this.unsubscribe = this.options.network?.onPeerEvent((event) => {
      if (event.type !== 'status') return;
      const behind = event.status.height - this.options.engine.committedHeight();
      if (behind > this.policy.maxBehindBlocks)
        void this.check(`peer ${event.peer} reports ${behind} blocks ahead`);
    });
    void this.check('start');
  }

  async stop(): Promise<void> {
    this.started = false;
    this.timer?.cancel();
    this.unsubscribe?.();
    await this.options.manager.stop();
    await this.running;
  }

  /**
   * True when this node may produce blocks: while participating (synced), or while syncing
   * when within the production threshold (default 99.5 % of the target and at most 10 behind).
   */
  canProduceBlocks(): boolean {
    const local = this.options.engine.committedHeight();
    return canProduce(local, this.lastTarget, this.currentMode === 'participating', this.production);
  }

  /** One check (coalesced: a check requested while one runs runs again right after it). */
  check(reason: string): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          await this.checkOnce(reason);
        } while (this.rerun && this.started);
      } catch (error) {
        this.logger.error({ err: error }, 'coordinator check failed');
        this.emitter.emit('error', { error });
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async checkOnce(reason: string): Promise<void> {
    for (;;) {
      this.m.checks.inc();
      await this.refreshStatuses();
      // Claims count only through their median (a minority cannot move it); sync itself proves heights.
      const estimate = this.options.peers.networkHeight({ allowUnproven: true });
      const local = this.options.engine.committedHeight();
      const network = estimate.height;
      this.emitter.emit('check', {
        localHeight: local,
        networkHeight: network,
        behind: network === undefined ? undefined : network - local,
      });
      if (network === undefined) return;
      this.m.behind.set(Math.max(0, network - local));
      this.lastTarget = network;
      const decision = decideMode(this.currentMode, local, network, this.policy);
      switch (decision.action) {
        case 'stay':
          return;
        case 'alarm-ahead':
          this.logger.warn(
            { local, network },
            'ahead of the network: possible fork or partition; not syncing backwards',
          );
          this.emitter.emit('possible-fork', {
            localHeight: local,
            networkHeight: network,
            ahead: decision.ahead,
          });
          return;
        case 'pause-and-sync':
          await this.options.engine.pause(`${decision.behind} blocks behind the network (${reason})`);
          this.setMode('syncing', `${decision.behind} blocks behind`);
          if (!(await this.syncTo(network))) return;
          continue; // the network moved on while we synced: check again
        case 'continue-sync':
          if (!(await this.syncTo(network))) return;
          continue;
        case 'resume': {
          await this.deliver();
          const from = this.options.engine.committedHeight() + 1;
          await this.options.engine.resume(from);
          this.setMode('participating', `${decision.behind} blocks behind: caught up`);
          return;
        }
      }
    }
  }

  /** Asks every connected peer for its status (heights travel as in a ping) and feeds the peer manager. */
  private async refreshStatuses(): Promise<void> {
    const { network, peers } = this.options;
    if (!network) return;
    await Promise.allSettled(
      network
        .connectedPeers()
        .filter((p) => !peers.isBanned(p))
        .map(async (p) => {
          peers.addPeer(p);
          peers.updateStatus(p, await network.status(p));
        }),
    );
  }

  /** Runs the manager to `target`, checks the result and delivers; false when it did not get there. */
  private async syncTo(target: number): Promise<boolean> {
    this.m.syncs.inc();
    this.emitter.emit('sync-started', { targetHeight: target });
    const outcome = await this.options.manager.start({ height: target });
    this.emitter.emit('sync-finished', { outcome });
    if (outcome.kind !== 'synced') {
      this.logger.warn({ outcome }, 'sync did not reach the target; staying paused, next check retries');
      return false;
    }
    const tip = this.options.store.tip()!;
    if (tip.height < target || !(await this.options.manager.verifyStateConsistency(tip.height))) {
      throw new AdapterError(
        'adapter.sync-failed',
        `sync reported ${outcome.height} but the store/state do not show it`,
      );
    }
    await this.deliver();
    return true;
  }

  /** Hands the engine every stored block after its committed height, in order, in batches. */
  private async deliver(): Promise<void> {
    const { engine, store } = this.options;
    const tip = store.tip()?.height ?? 0;
    let next = engine.committedHeight() + 1;
    const base = store.base() ?? 0;
    if (next <= tip && next < base) {
      throw new AdapterError(
        'adapter.delivery',
        `the engine is at ${next - 1} but the store starts at ${base} (a snapshot): the engine must adopt that state`,
      );
    }
    while (next <= tip) {
      const to = Math.min(tip, next + this.deliveryBatch - 1);
      const blocks = [...store.iterateBlocks(next, to)].map((b) => this.chain.decode(b.bytes));
      await engine.deliverCommitted(blocks);
      this.emitter.emit('delivered', { fromHeight: next, toHeight: to });
      const now = engine.committedHeight();
      if (now < to)
        throw new AdapterError('adapter.delivery', `the engine accepted blocks up to ${now}, not ${to}`);
      next = to + 1;
    }
  }

  private setMode(to: AdapterMode, reason: string): void {
    const from = this.currentMode;
    if (from === to) return;
    this.currentMode = to;
    this.m.modeChanges.inc(1, { to });
    this.m.syncing.set(to === 'syncing' ? 1 : 0);
    this.logger.info({ from, to, reason }, 'consensus participation');
    this.emitter.emit('mode', { from, to, reason });
  }
}
