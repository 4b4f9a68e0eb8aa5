import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { PeerId, PeerManager } from '@hotsync/core';
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { hotsyncConnectionGater } from './gater.js';
import type { HotsyncNetworkOptions } from './options.js';
import { type HotsyncService, hotsync } from './service.js';

/**
 * Yamux window per stream. libp2p v3 streams buffer what arrives while paused up to
 * `maxReadBufferLength` (4 MiB) and abort beyond it; a window no larger than that keeps a
 * paused stream within it. 2 MiB kept full throughput on loopback (TOOLCHAIN).
 */
export const DEFAULT_STREAM_WINDOW_BYTES = 2 * 1024 * 1024;

export interface HotsyncNodeOptions extends HotsyncNetworkOptions {
  /** The peer manager: required here, its bans gate connections. */
  readonly peers: PeerManager;
  /** Listen addresses (default `['/ip4/127.0.0.1/tcp/0']`: loopback, a free port). */
  readonly listen?: readonly string[];
  /** The node's identity (default: a new Ed25519 key each time). */
  readonly privateKey?: PrivateKey;
  /** Yamux `maxStreamWindowSize` (default DEFAULT_STREAM_WINDOW_BYTES). */
  readonly streamWindowBytes?: number;
  /** More gating rules; a connection is refused when they or the ban list say so. */
  readonly connectionGater?: ConnectionGater;
  /** Start listening at once (default true). */
  readonly start?: boolean;
}

/** A libp2p node running the hotsync service, ready for examples and tests. */
export interface HotsyncNode {
  readonly libp2p: Libp2p<{ sync: HotsyncService }>;
  /** The service: core's SyncNetwork for the SyncManager, and the server. */
  readonly sync: HotsyncService;
  readonly peerId: PeerId;
  /** Where others can dial this node (with its `/p2p/` id). */
  multiaddrs(): Multiaddr[];
  /** Connects to another node; resolves once the connection is up (the status exchange follows). */
  dial(address: Multiaddr | string, signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A libp2p node with TCP, noise, yamux, the ban-list connection gater and the hotsync
 * service, listening on loopback by default:
 *
 * ```ts
 * const node = await createHotsyncNode({ chainId, store, peers, config });
 * await node.dial(other.multiaddrs()[0]!);
 * ```
 */
export async function createHotsyncNode(options: HotsyncNodeOptions): Promise<HotsyncNode> {
  const libp2p = await createLibp2p({
    ...(options.privateKey && { privateKey: options.privateKey }),
    addresses: { listen: [...(options.listen ?? ['/ip4/127.0.0.1/tcp/0'])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [
      yamux({
        streamOptions: { maxStreamWindowSize: options.streamWindowBytes ?? DEFAULT_STREAM_WINDOW_BYTES },
      }),
    ],
    connectionGater: hotsyncConnectionGater(options.peers, options.connectionGater),
    services: { sync: hotsync(options) },
    start: options.start ?? true,
  });
  return {
    libp2p,
    sync: libp2p.services.sync,
    peerId: libp2p.peerId.toString(),
    multiaddrs: () => libp2p.getMultiaddrs(),
    async dial(address, signal) {
      await libp2p.dial(typeof address === 'string' ? multiaddr(address) : address, signal ? { signal } : {});
    },
    async stop() {
      await libp2p.stop();
    },
  };
}
