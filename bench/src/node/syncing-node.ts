import { join } from 'node:path';
import {
  type ChainStore,
  fromHex,
  type MerkleKvStateMachine,
  openLmdbChainStore,
  openLmdbStateMachine,
  parseSyncConfig,
  SeededRandom,
  type SyncConfig,
  type SyncConfigInput,
  type SyncNetwork,
  systemClock,
} from '@hotsync/core';
import { createHotsyncNode, type HotsyncNode } from '@hotsync/network';
import { createPeerManager, type DefaultPeerManager } from '@hotsync/peers';
import { createVerifier, type Verifier } from '@hotsync/validation';
import { BenchError } from '../errors.js';
import type { SectionClock } from '../instrument/section-clock.js';
import { timed } from '../instrument/timed.js';
import type { ChainMeta } from '../ipc/chain-meta.js';
import type { ServerAddress } from '../ipc/tasks.js';

export interface SyncingNodeOptions {
  readonly meta: ChainMeta;
  readonly servers: readonly ServerAddress[];
  /** A fresh directory: the node's LMDB chain store and state live in it. */
  readonly dataDir: string;
  readonly config: SyncConfigInput;
  readonly clock: SectionClock;
  readonly statusIntervalMs?: number;
  /** Wraps the chain store before anything uses it (the tip follower observes commits). */
  readonly wrapStore?: (store: ChainStore) => ChainStore;
}

/** A node as a user would run it, with the bench's probes around its parts. */
export interface SyncingNode {
  readonly config: SyncConfig;
  readonly node: HotsyncNode;
  readonly store: ChainStore;
  readonly stateMachine: MerkleKvStateMachine;
  /** The peer manager, every call charged to `coordination`. */
  readonly peers: DefaultPeerManager;
  /** The node's SyncNetwork, every call charged to `other` (its synchronous part). */
  readonly network: SyncNetwork;
  /** The verifier (worker pool sized to the cores), every call charged to `other`. */
  readonly verifier: Verifier;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 15_000;

/**
 * A syncing node the way a user builds one: LMDB chain store and reference state machine
 * (both without fsync: the bench measures sync, not this disk's flush latency), the peer
 * manager, a libp2p node dialled to every server, and a verifier with worker threads.
 * Resolves once every server is a connected sync peer.
 */
export async function startSyncingNode(options: SyncingNodeOptions): Promise<SyncingNode> {
  const { meta, clock } = options;
  const chainId = fromHex(meta.chainIdHex);
  const config = parseSyncConfig(options.config);
  const opened = await openLmdbChainStore({ path: join(options.dataDir, 'chain'), noSync: true });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const stateMachine = await openLmdbStateMachine({
    path: join(options.dataDir, 'state'),
    depth: meta.params.stateDepth,
    noSync: true,
  });
  const peers = timed(
    createPeerManager({ config, clock: systemClock, random: new SeededRandom(7), store }),
    clock,
    'coordination',
  );
  const node = await createHotsyncNode({
    chainId,
    store,
    peers,
    config,
    ...(options.statusIntervalMs !== undefined && { statusIntervalMs: options.statusIntervalMs }),
  });
  const verifier = timed(createVerifier({ chainId, clock: systemClock }), clock, 'other');
  const close = async () => {
    await verifier.close();
    await peers.stop();
    await node.stop();
    await store.close();
    await stateMachine.close();
  };
  try {
    for (const server of options.servers) await node.dial(server.addr);
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    const wanted = options.servers.map((s) => s.peerId);
    while (!wanted.every((p) => node.sync.connectedPeers().includes(p))) {
      if (Date.now() > deadline) {
        throw new BenchError(
          'bench.sync-failed',
          `servers did not all connect within ${CONNECT_TIMEOUT_MS} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (err) {
    await close();
    throw err;
  }
  peers.start();
  return {
    config,
    node,
    store,
    stateMachine,
    peers,
    network: timed(node.sync, clock, 'other'),
    verifier,
    close,
  };
}
