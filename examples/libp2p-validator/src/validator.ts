import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LmdbSafetyStore, SyncCoordinator, VoteGuard } from '@hotsync/consensus-adapter';
import {
  blockHash,
  createSyncManager,
  type DefaultSyncManager,
  decodeBlock,
  fromHex,
  type LmdbChainStore,
  type Logger,
  type MerkleKvStateMachine,
  openLmdbChainStore,
  openLmdbStateMachine,
  parseSyncConfig,
  SeededRandom,
  type SyncConfigInput,
  systemClock,
  systemRandom,
  type TrustAnchor,
  type TrustedPoint,
} from '@hotsync/core';
import { ValidatorSchedule } from '@hotsync/core/testing';
import {
  generatedTransactions,
  HotStuff2Engine,
  LmdbPendingBlockStore,
} from '@hotsync/example-hotstuff2-engine';
import { createHotsyncNode, type HotsyncNode } from '@hotsync/network';
import { createPeerManager, type DefaultPeerManager } from '@hotsync/peers';
import { type MetricsServer, PrometheusMetrics, serveMetrics } from '@hotsync/prometheus';
import { defaultStrategies } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { Registry } from 'prom-client';
import { catchUpStrategy, type ReportingStrategy } from './catch-up-strategy.js';
import { Libp2pConsensusTransport } from './consensus-transport.js';
import { withFreshNetworkHeight } from './fresh-network-height.js';
import type { ChainParams } from './history.js';
import { libp2pKeyOf, rosterNodeIds } from './identity.js';
import type { PeerAddress, SyncProgressView, ValidatorConfig, ValidatorStatus } from './ipc.js';
import { PartitionSwitch } from './partition-switch.js';
import { SignerTracker } from './qc-signers.js';
import { SyncEpisodes } from './sync-episodes.js';

/** The trust anchor and genesis point every validator of the chain shares (from its genesis block). */
export function chainAnchor(chain: ChainParams): {
  anchor: TrustAnchor;
  genesis: TrustedPoint;
  bytes: Uint8Array;
} {
  const bytes = fromHex(chain.genesisHex);
  const block = decodeBlock(bytes);
  const schedule = new ValidatorSchedule(chain.seed, chain.validators, 1, 'equal');
  const validatorSet = schedule.set(0);
  const hash = blockHash(block);
  const h = block.header;
  return {
    anchor: { chainId: fromHex(chain.chainIdHex), height: 0, blockHash: hash, validatorSet },
    genesis: {
      height: 0,
      hash,
      view: h.view,
      epoch: h.epoch,
      timestampMs: h.timestampMs,
      stateRoot: h.stateRoot,
      validatorSet,
    },
    bytes,
  };
}

/**
 * One validator, everything in one process (DESIGN §7): a libp2p node with the hotsync
 * sync service and the consensus protocol, LMDB chain store, state and safety store, the
 * HotStuff-2 engine, and a SyncCoordinator that pauses the engine whenever the node is more
 * than `maxBehindBlocks` behind, syncs with the SyncManager (`catch-up`: parallel ranges far
 * from the tip, incremental near it: see catch-up-strategy.ts), delivers and resumes. Every validator runs the same
 * program: an early one finds itself in sync and just takes part; a late or cut-off one
 * catches up first.
 */
export class Validator {
  readonly episodes: SyncEpisodes;
  private readonly signers: SignerTracker;
  private readonly known = new Map<string, PeerAddress>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  private constructor(
    readonly config: ValidatorConfig,
    readonly node: HotsyncNode,
    readonly engine: HotStuff2Engine,
    readonly coordinator: SyncCoordinator,
    readonly manager: DefaultSyncManager,
    readonly peers: DefaultPeerManager,
    private readonly transport: Libp2pConsensusTransport,
    private readonly partition: PartitionSwitch,
    private readonly closers: readonly (() => Promise<void>)[],
    private readonly metricsServer: MetricsServer | undefined,
    private readonly logger: Logger,
    reporting: ReportingStrategy | undefined,
  ) {
    this.signers = new SignerTracker();
    engine.on('committed', ({ blocks }) => this.signers.observe(blocks));
    this.episodes = new SyncEpisodes(manager, coordinator, engine, node.sync, reporting);
  }

  /** Opens the stores (initializing an empty one at genesis) and starts listening; consensus starts at `connect`. */
  static async open(config: ValidatorConfig, logger: Logger): Promise<Validator> {
    const closers: (() => Promise<void>)[] = [];
    const closeAll = async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
    };
    try {
      return await Validator.build(config, logger, closers);
    } catch (err) {
      await closeAll();
      throw err;
    }
  }

  private static async build(
    config: ValidatorConfig,
    logger: Logger,
    closers: (() => Promise<void>)[],
  ): Promise<Validator> {
    const { chain, dataDir } = config;
    await mkdir(dataDir, { recursive: true });
    const chainId = fromHex(chain.chainIdHex);
    const { anchor, genesis, bytes: genesisBytes } = chainAnchor(chain);
    const key = new ValidatorSchedule(chain.seed, chain.validators, 1, 'equal').keys(0)[config.index]!;

    const store: LmdbChainStore = await openLmdbChainStore({ path: join(dataDir, 'chain') });
    closers.push(() => store.close());
    const stateMachine: MerkleKvStateMachine = await openLmdbStateMachine({
      path: join(dataDir, 'state'),
      depth: chain.stateDepth,
    });
    closers.push(() => stateMachine.close());
    // A node that starts from nothing trusts genesis only; the engine needs a committed tip to stand on.
    if (!store.tip()) await store.initialize(genesis, { height: 0, hash: genesis.hash, bytes: genesisBytes });
    const safety = LmdbSafetyStore.open(join(dataDir, 'safety'));
    closers.push(() => safety.close());
    const pending = LmdbPendingBlockStore.open(join(dataDir, 'pending'));
    closers.push(() => pending.close());

    const registry = new Registry();
    const metrics = new PrometheusMetrics(registry);
    const syncConfig: SyncConfigInput = {
      strategy: {
        default: config.sync.strategy,
        maxBehindBlocks: config.sync.maxBehindBlocks,
        parallelThreshold: config.sync.parallelThreshold,
        // Never a snapshot: the engine continues from the blocks it committed, and cannot adopt
        // a state whose blocks it never saw (the coordinator refuses to deliver across a snapshot base).
        fastSyncThreshold: Number.MAX_SAFE_INTEGER,
      },
      peers: { rotationIntervalMs: 10_000 },
    };
    const parsed = parseSyncConfig(syncConfig);
    const peers = createPeerManager({
      config: parsed,
      clock: systemClock,
      random: systemRandom,
      store,
      logger: logger.child({ component: 'peers' }),
      metrics,
    });
    closers.push(() => peers.stop());
    const partition = new PartitionSwitch();
    const node = await createHotsyncNode({
      chainId,
      store,
      peers,
      config: parsed,
      privateKey: await libp2pKeyOf(key),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      connectionGater: partition.gater(),
      statusIntervalMs: config.sync.statusIntervalMs,
      logger: logger.child({ component: 'network' }),
      metrics,
    });
    closers.push(() => node.stop());
    const transport = new Libp2pConsensusTransport(node.libp2p, {
      chainId,
      logger: logger.child({ component: 'consensus-transport' }),
    });
    await transport.start();
    closers.push(() => transport.stop());
    node.libp2p.addEventListener('peer:disconnect', (event) => transport.forget(event.detail.toString()));

    const engine = new HotStuff2Engine({
      chainId,
      store,
      stateMachine,
      transport,
      key,
      voteGuard: new VoteGuard(safety),
      pendingBlocks: pending,
      transactions: generatedTransactions(new SeededRandom(chain.seed * 1_000 + config.index), {
        transactionsPerBlock: config.consensus.transactionsPerBlock,
      }),
      nodeIdOf: rosterNodeIds(config.roster),
      timing: { baseTimeoutMs: config.consensus.baseTimeoutMs, maxTimeoutMs: config.consensus.maxTimeoutMs },
      proposeDelayMs: config.consensus.proposeDelayMs,
      logger: logger.child({ component: 'engine' }),
    });
    closers.push(() => engine.stop());

    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    closers.push(() => verifier.close());
    const strategies = [...defaultStrategies(), catchUpStrategy()];
    const chosen = strategies.find((s) => s.name === config.sync.strategy);
    const reporting = chosen && 'decisions' in chosen ? (chosen as ReportingStrategy) : undefined;
    const manager = createSyncManager({
      config: syncConfig,
      anchor,
      anchorBlock: genesisBytes,
      store,
      stateMachine,
      verifier,
      peers,
      network: node.sync,
      strategies,
      clock: systemClock,
      logger: logger.child({ component: 'sync' }),
      metrics,
    });
    const coordinator = new SyncCoordinator({
      engine,
      manager,
      peers: withFreshNetworkHeight(peers),
      store,
      network: node.sync,
      config: syncConfig,
      checkIntervalMs: config.sync.checkIntervalMs,
      // Few, large deliveries: the engine re-reads the synced blocks above its committed tip
      // at every delivery (see README), so 256-block batches cost time quadratic in the gap.
      deliveryBatch: 4_096,
      clock: systemClock,
      logger: logger.child({ component: 'coordinator' }),
      metrics,
    });
    closers.push(() => coordinator.stop());
    coordinator.on('error', ({ error }) => logger.error({ err: error }, 'sync coordinator failed a check'));
    coordinator.on('delivered', ({ fromHeight, toHeight }) =>
      logger.debug({ fromHeight, toHeight }, 'delivered synced blocks to the engine'),
    );
    engine.on('error', ({ error }) => logger.error({ err: error }, 'consensus engine error'));

    const height = metrics.gauge({ name: 'hotsync_example_committed_height', help: 'Committed height' });
    const view = metrics.gauge({ name: 'hotsync_example_view', help: 'Current consensus view' });
    engine.on('committed', () => {
      height.set(engine.committedHeight());
      view.set(engine.status().view);
    });
    let metricsServer: MetricsServer | undefined;
    if (config.metricsPort !== undefined) {
      metricsServer = await serveMetrics(registry, { port: config.metricsPort });
      const server = metricsServer;
      closers.push(() => server.close());
    }
    return new Validator(
      config,
      node,
      engine,
      coordinator,
      manager,
      peers,
      transport,
      partition,
      closers,
      metricsServer,
      logger,
      reporting,
    );
  }

  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  addrs(): string[] {
    return this.node.multiaddrs().map((a) => a.toString());
  }

  /**
   * Dials `peers` (and keeps redialing them while disconnected); once at least one is
   * connected, or after `waitMs`, starts the peer manager, the engine and the coordinator.
   */
  async connect(peers: readonly PeerAddress[], waitMs = 5_000): Promise<void> {
    for (const peer of peers) this.known.set(peer.peerId, peer);
    await this.dialKnown();
    this.reconnectTimer ??= setInterval(() => void this.dialKnown(), 1_000);
    if (this.running) return;
    const deadline = Date.now() + waitMs;
    while (this.connectedPeers() < peers.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.stopped) return;
    this.running = true;
    this.peers.start();
    await this.engine.start();
    this.coordinator.start();
    this.logger.info(
      { height: this.engine.committedHeight(), peers: this.connectedPeers() },
      'consensus and sync coordinator started',
    );
  }

  /** Closes every connection and refuses new ones until `heal()`. */
  async isolate(): Promise<void> {
    this.partition.isolate();
    await Promise.all(this.node.libp2p.getPeers().map((p) => this.node.libp2p.hangUp(p).catch(() => {})));
    this.logger.warn('partitioned: every connection closed, new ones refused');
  }

  async heal(): Promise<void> {
    this.partition.heal();
    this.logger.warn('partition healed: reconnecting');
    await this.dialKnown();
  }

  connectedPeers(): number {
    return this.node.libp2p.getPeers().length;
  }

  status(): ValidatorStatus {
    const s = this.engine.status();
    return {
      committedHeight: this.engine.committedHeight(),
      view: s.view,
      lifecycle: s.lifecycle,
      mode: this.coordinator.mode(),
      connectedPeers: this.connectedPeers(),
      isolated: this.partition.isolated,
      recentQcs: this.signers.snapshot(),
      transport: this.transport.stats(),
    };
  }

  progress(): SyncProgressView {
    const status = this.manager.status();
    const progress = this.manager.progress();
    return {
      phase: status.phase.name,
      height: status.localHeight,
      target: status.targetHeight,
      ratePerSec: progress.current.ratePerSec,
      etaMs: progress.current.etaMs,
      peers: this.node.sync.connectedPeers().length,
      strategy: status.strategy,
    };
  }

  /** Stops everything it started, in reverse order: coordinator (and its sync), engine, network, stores. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reconnectTimer) clearInterval(this.reconnectTimer);
    this.episodes.dispose();
    for (const close of [...this.closers].reverse()) {
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err }, 'error while stopping');
      }
    }
  }

  private async dialKnown(): Promise<void> {
    if (this.partition.isolated || this.stopped) return;
    const libp2p = this.node.libp2p;
    await Promise.all(
      [...this.known.values()].map(async (peer) => {
        const id = peerIdFromString(peer.peerId);
        if (libp2p.getConnections(id).length > 0) return;
        for (const addr of peer.addrs) {
          try {
            await libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(3_000) });
            return;
          } catch (err) {
            this.logger.debug({ err, peer: peer.peerId }, 'dial failed');
          }
        }
      }),
    );
  }
}
