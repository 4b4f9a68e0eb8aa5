// First, before libp2p loads: Node 20 lacks Promise.withResolvers (TOOLCHAIN.md).
import '@hotsync/network/polyfill';
import { join } from 'node:path';
import {
  bytesEqual,
  createMemoryStateMachine,
  createSyncManager,
  type Logger,
  MemoryChainStore,
  openLmdbChainStore,
  openLmdbStateMachine,
  parseSyncConfig,
  type SyncConfigInput,
  type SyncOutcome,
  systemClock,
  systemRandom,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { openDataDirs, type ProgressView } from '@hotsync/example-libp2p-validator';
import { createHotsyncNode, type HotsyncNode } from '@hotsync/network';
import { createPeerManager } from '@hotsync/peers';
import { type MetricsServer, PrometheusMetrics, serveMetrics } from '@hotsync/prometheus';
import { defaultStrategies } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { Registry } from 'prom-client';
import { roundRobinStrategy, type ServedRange } from './round-robin-strategy.js';

export interface CustomStrategyOptions {
  readonly seed: number;
  /** Height of the chain the servers hold. */
  readonly blocks: number;
  /** Serving libp2p nodes. */
  readonly servers: number;
  /** Blocks per range of the round-robin strategy. */
  readonly rangeSize: number;
  /** Serve the syncing node's `/metrics` on this port (0: a free one). */
  readonly metricsPort?: number;
  readonly logger: Logger;
}

export interface CustomStrategyResult {
  readonly outcome: SyncOutcome;
  /** The strategy the manager ran, by the name it was registered under. */
  readonly strategy: string | undefined;
  readonly registered: readonly string[];
  readonly phases: readonly string[];
  readonly seconds: number;
  readonly blocksPerSec: number;
  readonly served: readonly ServedRange[];
  /** Ranges per serving peer (short peer ids). */
  readonly rangesPerPeer: Readonly<Record<string, number>>;
  /** The synced chain equals the servers' block for block, and the state root matches. */
  readonly identical: boolean;
  readonly stateRootMatches: boolean;
  readonly metricsPort: number | undefined;
  /** What `/metrics` answered (a few hotsync lines), when served. */
  readonly metricsSample: readonly string[];
  /** The hotsync metric families `/metrics` declared (`# TYPE` lines), when served. */
  readonly metricNames: readonly string[];
}

const STATE_DEPTH = 10;

/**
 * A chain of `blocks` blocks served by `servers` libp2p nodes on 127.0.0.1; one more node
 * syncs it with the default SyncManager, in which the user's `round-robin` strategy is
 * registered next to the shipped ones and chosen by name (`strategy.default`). The synced
 * LMDB store and state are then compared with the source. Everything is stopped before it returns.
 */
export async function runCustomStrategy(
  options: CustomStrategyOptions,
  view: ProgressView,
): Promise<CustomStrategyResult> {
  const log = options.logger;
  const dirs = await openDataDirs(undefined, undefined);
  const nodes: HotsyncNode[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    // The chain the servers hold (in memory: they only serve it).
    const source = new MemoryChainStore();
    const generated = await generateChain({
      seed: options.seed,
      blocks: options.blocks,
      store: source,
      stateMachine: createMemoryStateMachine({ depth: STATE_DEPTH }),
    });
    const { chainId, anchor } = generated;
    log.info(
      `generated a chain of ${options.blocks} blocks in ${(generated.stats.milliseconds / 1000).toFixed(1)} s`,
    );
    const serverConfig = parseSyncConfig({});
    for (let i = 0; i < options.servers; i++) {
      const peers = createPeerManager({ config: serverConfig, clock: systemClock, random: systemRandom });
      nodes.push(await createHotsyncNode({ chainId, store: source, peers, config: serverConfig }));
    }
    log.info(
      `${options.servers} serving nodes on ${nodes.map((n) => n.multiaddrs()[0]!.toString().split('/p2p/')[0]).join(', ')}`,
    );

    // The syncing node: LMDB store and state in a temporary directory.
    const store = await openLmdbChainStore({ path: join(dirs.dataDir, 'chain') });
    closers.push(() => store.close());
    const stateMachine = await openLmdbStateMachine({
      path: join(dirs.dataDir, 'state'),
      depth: STATE_DEPTH,
    });
    closers.push(() => stateMachine.close());
    const registry = new Registry();
    const metrics = new PrometheusMetrics(registry);
    const config: SyncConfigInput = { strategy: { default: 'round-robin' } };
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: systemRandom,
      store,
      metrics,
      logger: log.child({ component: 'peers' }),
    });
    closers.push(() => peers.stop());
    const me = await createHotsyncNode({ chainId, store, peers, config, metrics });
    nodes.push(me);
    // Nodes stop before the store they serve from closes.
    closers.push(async () => {
      await Promise.all(nodes.splice(0).map((n) => n.stop()));
    });
    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    closers.push(() => verifier.close());

    // The user's strategy, registered by name beside the shipped ones; the config picks it.
    const roundRobin = roundRobinStrategy({ rangeSize: options.rangeSize });
    const strategies = [...defaultStrategies(), roundRobin];
    const manager = createSyncManager({
      config,
      anchor,
      anchorBlock: source.blockBytes(0)!,
      store,
      stateMachine,
      verifier,
      peers,
      network: me.sync,
      strategies,
      clock: systemClock,
      logger: log.child({ component: 'sync' }),
      metrics,
    });
    closers.push(() => manager.stop());
    let server: MetricsServer | undefined;
    if (options.metricsPort !== undefined) {
      server = await serveMetrics(registry, { port: options.metricsPort });
      const s = server;
      closers.push(() => s.close());
      log.info(`metrics: http://127.0.0.1:${server.port}/metrics`);
    }
    manager.on('progress', (p) => {
      if (p.phase !== 'downloading-blocks') return;
      view.update({
        label: 'sync',
        phase: p.phase,
        value: p.current.done,
        total: p.current.total,
        ratePerSec: p.current.ratePerSec,
        etaMs: p.current.etaMs,
        peers: me.sync.connectedPeers().length,
      });
    });

    for (const node of nodes.slice(0, -1)) await me.dial(node.multiaddrs()[0]!);
    const deadline = Date.now() + 10_000;
    while (me.sync.connectedPeers().length < options.servers && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    peers.start();
    const t0 = performance.now();
    const outcome = await manager.start();
    const seconds = (performance.now() - t0) / 1000;
    view.done();

    let identical = outcome.kind === 'synced' && store.tip()?.height === options.blocks;
    for (let h = 0; identical && h <= options.blocks; h++) {
      identical = bytesEqual(store.blockBytes(h)!, source.blockBytes(h)!);
    }
    const stateRootMatches = bytesEqual(stateMachine.root(), source.tip()!.stateRoot);
    const served = roundRobin.served();
    const rangesPerPeer: Record<string, number> = {};
    for (const r of served) {
      const short = r.peer.slice(-6);
      rangesPerPeer[short] = (rangesPerPeer[short] ?? 0) + 1;
    }
    let metricsSample: string[] = [];
    let metricNames: string[] = [];
    if (server) {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      metricNames = text
        .split('\n')
        .filter((l) => l.startsWith('# TYPE hotsync_'))
        .map((l) => l.split(' ')[2]!);
      metricsSample = text
        .split('\n')
        .filter((l) => /^hotsync_(blocks_applied_total|current_height|target_height) /.test(l))
        .slice(0, 4);
    }
    return {
      outcome,
      strategy: manager.status().strategy,
      registered: strategies.map((s) => s.name),
      phases: manager.status().history.map((t) => t.to.name),
      seconds,
      blocksPerSec: options.blocks / seconds,
      served,
      rangesPerPeer,
      identical,
      stateRootMatches,
      metricsPort: server?.port,
      metricsSample,
      metricNames,
    };
  } finally {
    view.stop();
    for (const close of closers.reverse()) await close().catch(() => {});
    for (const node of nodes) await node.stop().catch(() => {});
    await dirs.close();
  }
}
