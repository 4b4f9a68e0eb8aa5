import {
  type ChainStore,
  createMemoryStateMachine,
  MemoryChainStore,
  type PeerConnectionEvent,
  type PeerId,
  parseSyncConfig,
  protocolId,
  SeededRandom,
  type SyncConfigInput,
  systemClock as systemClockLike,
  type WireMethod,
} from '@hotsync/core';
import { type GeneratedChain, generateChain } from '@hotsync/core/testing';
import { createPeerManager, type DefaultPeerManager } from '@hotsync/peers';
import type { Stream } from '@libp2p/interface';
import { createHotsyncNode, type HotsyncNode, type HotsyncNodeOptions, StreamReader } from './index.js';

/** A generated chain in a memory store, shared per (blocks, seed) within a test file. */
export interface ServedChain {
  readonly generated: GeneratedChain;
  readonly store: MemoryChainStore;
}

const chains = new Map<string, Promise<ServedChain>>();

export function servedChain(
  blocks: number,
  seed = 7,
  extra: { epochLength?: number; snapshotHeights?: number[] } = {},
): Promise<ServedChain> {
  const key = JSON.stringify({ blocks, seed, extra });
  let chain = chains.get(key);
  if (!chain) {
    chain = (async () => {
      const store = new MemoryChainStore();
      const generated = await generateChain({
        seed,
        blocks,
        store,
        stateMachine: createMemoryStateMachine({ depth: 10 }),
        ...extra,
      });
      return { generated, store };
    })();
    chains.set(key, chain);
  }
  return chain;
}

export interface TestNode extends HotsyncNode {
  readonly peers: DefaultPeerManager;
  readonly events: PeerConnectionEvent[];
}

/**
 * Starts nodes on 127.0.0.1 (port 0) and stops every one of them in `stopAll`, which each
 * test file calls in afterEach.
 */
export class TestNet {
  private readonly nodes: TestNode[] = [];

  async node(
    options: Partial<HotsyncNodeOptions> & {
      readonly chainId: Uint8Array;
      readonly store: ChainStore;
      readonly config?: SyncConfigInput;
      readonly peers?: DefaultPeerManager;
    },
  ): Promise<TestNode> {
    const config = parseSyncConfig(options.config ?? {});
    const peers =
      options.peers ??
      createPeerManager({ config, clock: options.clock ?? systemClockLike, random: new SeededRandom(1) });
    const node = await createHotsyncNode({ ...options, config, peers });
    const events: PeerConnectionEvent[] = [];
    node.sync.onPeerEvent((e) => events.push(e));
    const testNode: TestNode = Object.assign(node, { peers, events });
    this.nodes.push(testNode);
    return testNode;
  }

  async stopAll(): Promise<void> {
    const nodes = this.nodes.splice(0);
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(nodes.map((n) => n.peers.stop()));
  }
}

/** Resolves once `node` counts `peer` as a connected sync peer. */
export async function untilSyncPeer(node: HotsyncNode, peer: PeerId, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!node.sync.connectedPeers().includes(peer)) {
    if (Date.now() > deadline) throw new Error(`${peer} did not become a sync peer of ${node.peerId}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Dials `b` from `a` and waits until both see each other as sync peers. */
export async function connect(a: HotsyncNode, b: HotsyncNode): Promise<void> {
  await a.dial(b.multiaddrs()[0]!);
  await Promise.all([untilSyncPeer(a, b.peerId), untilSyncPeer(b, a.peerId)]);
}

/** Polls `predicate` every 10 ms until true or `timeoutMs` passes. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everything a raw stream delivered before it ended, and how it ended. */
export interface RawReply {
  readonly bytes: Uint8Array;
  /** Set when the stream was reset or aborted rather than closed. */
  readonly error: Error | undefined;
}

/**
 * Opens a stream from `client` to `server` for `method` and writes `bytes` as they are
 * (garbage, oversized prefixes, cut requests): what a misbehaving requester does.
 */
export async function rawRequest(
  client: HotsyncNode,
  server: HotsyncNode,
  method: WireMethod,
  bytes: Uint8Array,
  options: { readonly closeWrite?: boolean; readonly timeoutMs?: number } = {},
): Promise<RawReply> {
  const stream = await client.libp2p.dialProtocol(
    server.libp2p.peerId,
    protocolId(client.sync.options.chainId, method),
  );
  const reader = new StreamReader(stream, { highWaterMark: 1 << 20 });
  const parts: Uint8Array[] = [];
  const timer = setTimeout(
    () => stream.abort(new Error('raw request timed out')),
    options.timeoutMs ?? 5_000,
  );
  try {
    if (bytes.length > 0) stream.send(bytes);
    if (options.closeWrite !== false) await stream.close();
    for (;;) {
      const piece = await reader.read();
      if (!piece) break;
      parts.push(piece);
    }
    return { bytes: new Uint8Array(Buffer.concat(parts)), error: undefined };
  } catch (err) {
    return { bytes: new Uint8Array(Buffer.concat(parts)), error: err as Error };
  } finally {
    clearTimeout(timer);
    reader.dispose();
  }
}

/** Replaces how `node` answers `method` (a misbehaving server). */
export async function misbehave(
  node: HotsyncNode,
  method: WireMethod,
  handler: (stream: Stream) => void | Promise<void>,
): Promise<void> {
  await node.libp2p.handle(protocolId(node.sync.options.chainId, method), (stream) => handler(stream), {
    force: true,
  });
}

/** Reads the request off a stream (its prefix and body) so a fake server can answer it. */
export async function readRawRequest(stream: Stream): Promise<Uint8Array> {
  const reader = new StreamReader(stream, { highWaterMark: 1 << 16 });
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const piece = await reader.read();
      if (!piece) break;
      parts.push(piece);
    }
  } finally {
    reader.dispose();
  }
  return new Uint8Array(Buffer.concat(parts));
}
