import {
  bytesEqual,
  createSyncManager,
  parseSyncConfig,
  SeededRandom,
  type SyncConfigInput,
  type SyncOutcome,
  systemClock,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import type { Behaviour, SimChain } from '@hotsync/simnet';
import { incrementalStrategy, parallelStrategy } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { behaveAs, genesisStore, Libp2pNodes, untilConnected } from '../fixtures/libp2p-nodes.js';
import type { MatrixRow } from './byzantine-matrix.js';

export interface Libp2pRowOptions {
  readonly chain: SimChain;
  readonly name: string;
  readonly strategy: 'parallel' | 'incremental';
  readonly byzantine: readonly (readonly Behaviour[])[];
  readonly config: SyncConfigInput;
  readonly seed: number;
  /** Longest the sync may take (wall ms) before it is stopped and the row fails. */
  readonly timeoutMs: number;
}

/**
 * One row of the Byzantine matrix over real libp2p (TCP, noise, yamux on 127.0.0.1):
 * an honest node and the Byzantine ones serve the chain from memory, each in this
 * process; the syncing node runs the real SyncManager and PeerManager. Time is wall time.
 */
export async function runLibp2pRow(options: Libp2pRowOptions): Promise<MatrixRow> {
  const { chain } = options;
  const chainId = chain.chainId;
  const config = { ...options.config, strategy: { default: options.strategy } };
  const nodes = new Libp2pNodes();
  const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
  try {
    const honest = await nodes.start({ chainId, store: chain.store, config });
    const byzantine = [];
    for (const [i, behaviours] of options.byzantine.entries()) {
      const node = await nodes.start({ chainId, store: chain.store, config, seed: 100 + i });
      await behaveAs(node, chain, behaviours, options.seed * 100 + i);
      byzantine.push(node);
    }
    const store = await genesisStore(chain);
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(options.seed),
      store,
    });
    const blamed: { peer: string; reason: string; banned: boolean }[] = [];
    peers.onEvent((e) => {
      if (e.type === 'penalized') blamed.push({ peer: e.peer, reason: e.reason, banned: false });
      if (e.type === 'banned') blamed.push({ peer: e.peer, reason: e.reason, banned: true });
    });
    const me = await nodes.start({ chainId, store, peers, config });
    for (const server of [honest, ...byzantine]) await me.dial(server.multiaddrs()[0]!);
    await untilConnected(me, [honest.peerId]);
    // Peers whose status answers are garbage never become sync peers: wait a little for the rest.
    await untilConnected(me, [...byzantine.map((b) => b.peerId)], 2_000).catch(() => undefined);

    const manager = createSyncManager({
      config,
      anchor: chain.generated.anchor,
      store,
      stateMachine: chain.createStateMachine(),
      verifier,
      peers,
      network: me.sync,
      strategies: [options.strategy === 'parallel' ? parallelStrategy() : incrementalStrategy()],
      clock: systemClock,
      random: new SeededRandom(options.seed + 1),
    });
    peers.start();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      manager.start(),
      new Promise<SyncOutcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'stopped', height: -1 }), options.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const wallMs = Math.round(performance.now() - started);
    await manager.stop();
    if (process.env.DEBUG_ROWS)
      console.log(
        options.name,
        manager
          .status()
          .history.map((t) => `${Math.round(t.atMs - performance.timeOrigin - started)}:${t.to.name}`)
          .join(' '),
        blamed.map((b) => `${b.peer.slice(-4)}:${b.reason}`).join(', '),
      );

    let invalidStored = 0;
    const tip = store.tip();
    for (const block of store.iterateBlocks(0, tip?.height ?? 0)) {
      const honestBytes = chain.store.blockBytes(block.height);
      if (!honestBytes || !bytesEqual(honestBytes, block.bytes)) invalidStored++;
    }
    const byzantineIds = byzantine.map((b) => b.peerId);
    const caught = new Set(blamed.map((b) => b.peer));
    const banned = new Set(blamed.filter((b) => b.banned).map((b) => b.peer));
    return {
      name: options.name,
      strategy: options.strategy,
      byzantine: byzantineIds.length,
      synced:
        outcome.kind === 'synced' &&
        tip !== undefined &&
        tip.height === chain.tip.height &&
        bytesEqual(tip.hash, chain.tip.hash),
      invalidStored,
      byzantineCaught: byzantineIds.filter((id) => caught.has(id)).length,
      byzantineBanned: byzantineIds.filter((id) => banned.has(id)).length,
      honestBlamed: blamed.filter((b) => b.peer === honest.peerId).length,
      virtualMs: wallMs,
      realMs: wallMs,
      reasons: [...new Set(blamed.filter((b) => !b.banned).map((b) => b.reason))].sort(),
      seed: options.seed,
    };
  } finally {
    await verifier.close();
    await nodes.stopAll();
  }
}
