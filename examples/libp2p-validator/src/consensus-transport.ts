import { type Clock, type Logger, silentLogger, systemClock, toHex } from '@hotsync/core';
import type { ConsensusTransport, MessageHandler, NodeId } from '@hotsync/example-hotstuff2-engine';
import { StreamReader } from '@hotsync/network';
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { encodeFrame, FrameDecoder } from './frames.js';

/** The consensus protocol of the examples' chain: `/hotsync-example/<chainIdHex8>/consensus/1`. */
export function consensusProtocolId(chainId: Uint8Array): string {
  return `/hotsync-example/${toHex(chainId).slice(0, 8)}/consensus/1`;
}

export interface Libp2pConsensusTransportOptions {
  readonly chainId: Uint8Array;
  /** Largest message accepted (default 4 MiB: a block-response of 256 blocks fits many times). */
  readonly maxMessageBytes?: number;
  /** Bytes queued for one peer beyond which new messages to it are dropped (default 8 MiB). */
  readonly maxQueuedBytesPerPeer?: number;
  /** A failed stream open is not retried for this long; messages meanwhile are dropped (default 500 ms). */
  readonly redialBackoffMs?: number;
  /** Time to open a stream (dial included) before giving up (default 3 s). */
  readonly openTimeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface ConsensusTransportStats {
  readonly sent: number;
  readonly received: number;
  /** Lost on our side: queue full, no stream to the peer, stream failed. */
  readonly dropped: number;
  readonly streamsOpened: number;
}

/**
 * The engine's `ConsensusTransport` on one libp2p protocol. Each direction between two
 * peers is one long-lived stream carrying `u32 length ‖ message` frames (a stream per
 * message would cost a multistream-select round trip and ~1 ms of CPU per side each).
 * Delivery is fire-and-forget, as the engine expects: a message that cannot be sent (peer
 * unreachable, queue full) is dropped and counted; the protocol recovers through its timers.
 *
 * `NodeId`s are libp2p peer ids (strings): the engine's `nodeIdOf` maps a validator's public
 * key to its peer id, and `from` is the remote peer noise authenticated, never a claim.
 */
export class Libp2pConsensusTransport implements ConsensusTransport {
  readonly self: NodeId;
  readonly protocol: string;
  private readonly handlers = new Set<MessageHandler>();
  private readonly channels = new Map<string, PeerChannel>();
  private readonly inbound = new Set<Stream>();
  private readonly o: Required<Omit<Libp2pConsensusTransportOptions, 'chainId'>>;
  private readonly counts = { sent: 0, received: 0, dropped: 0, streamsOpened: 0 };
  private started = false;

  constructor(
    private readonly libp2p: Libp2p,
    options: Libp2pConsensusTransportOptions,
  ) {
    this.self = libp2p.peerId.toString();
    this.protocol = consensusProtocolId(options.chainId);
    this.o = {
      maxMessageBytes: options.maxMessageBytes ?? 4 * 1024 * 1024,
      maxQueuedBytesPerPeer: options.maxQueuedBytesPerPeer ?? 8 * 1024 * 1024,
      redialBackoffMs: options.redialBackoffMs ?? 500,
      openTimeoutMs: options.openTimeoutMs ?? 3_000,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.libp2p.handle(this.protocol, (stream, connection) => this.serve(stream, connection), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.libp2p.unhandle(this.protocol);
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    for (const stream of this.inbound) stream.abort(new Error('consensus transport stopped'));
    this.inbound.clear();
  }

  send(to: NodeId, bytes: Uint8Array): void {
    if (!this.started || to === this.self) return;
    this.channel(to)?.enqueue(encodeFrame(bytes));
  }

  broadcast(bytes: Uint8Array): void {
    if (!this.started) return;
    const frame = encodeFrame(bytes);
    for (const peer of this.libp2p.getPeers()) this.channel(peer.toString())?.enqueue(frame);
  }

  subscribe(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  stats(): ConsensusTransportStats {
    return { ...this.counts };
  }

  /** Drops the outbound stream to `peer` (its connection closed, or a partition): the next message opens a new one. */
  forget(peer: string): void {
    this.channels.get(peer)?.close();
    this.channels.delete(peer);
  }

  private channel(to: string): PeerChannel | undefined {
    let channel = this.channels.get(to);
    if (!channel) {
      let peerId: PeerId;
      try {
        peerId = peerIdFromString(to);
      } catch {
        this.counts.dropped++;
        return undefined; // not a peer id: a validator missing from the roster
      }
      channel = new PeerChannel(peerId, this.libp2p, this.protocol, this.o, this.counts);
      this.channels.set(to, channel);
    }
    return channel;
  }

  /** One inbound stream: frames until it ends; a malformed or oversized frame drops the stream. */
  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    this.inbound.add(stream);
    const reader = new StreamReader(stream, { highWaterMark: 1024 * 1024 });
    const decoder = new FrameDecoder(this.o.maxMessageBytes);
    try {
      for (let piece = await reader.read(); piece; piece = await reader.read()) {
        for (const frame of decoder.push(piece)) {
          this.counts.received++;
          for (const handler of [...this.handlers]) handler(from, frame);
        }
      }
    } catch (err) {
      this.o.logger.debug({ err, peer: from }, 'consensus stream ended');
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      reader.dispose();
      this.inbound.delete(stream);
    }
  }
}

/** The outbound side to one peer: a queue of frames and the stream they go on. */
class PeerChannel {
  private stream: Stream | undefined;
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private pumping = false;
  private closed = false;
  private retryAtMs = 0;
  private readonly abort = new AbortController();

  constructor(
    private readonly peer: PeerId,
    private readonly libp2p: Libp2p,
    private readonly protocol: string,
    private readonly o: Required<Omit<Libp2pConsensusTransportOptions, 'chainId'>>,
    private readonly counts: { sent: number; dropped: number; streamsOpened: number },
  ) {}

  enqueue(frame: Uint8Array): void {
    if (this.closed || this.o.clock.now() < this.retryAtMs) {
      this.counts.dropped++;
      return;
    }
    if (this.queuedBytes + frame.length > this.o.maxQueuedBytesPerPeer) {
      this.counts.dropped++;
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    void this.pump();
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
    this.dropQueue();
    const stream = this.stream;
    this.stream = undefined;
    if (stream) void stream.close().catch(() => stream.abort(new Error('closed')));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const stream = await this.open();
        if (!stream) {
          this.dropQueue();
          return;
        }
        const frame = this.queue.shift()!;
        this.queuedBytes -= frame.length;
        this.counts.sent++;
        if (!stream.send(frame)) await stream.onDrain({ signal: this.abort.signal });
      }
    } catch (err) {
      this.o.logger.debug({ err, peer: this.peer.toString() }, 'consensus stream failed');
      this.stream?.abort(err instanceof Error ? err : new Error(String(err)));
      this.stream = undefined;
      this.retryAtMs = this.o.clock.now() + this.o.redialBackoffMs;
      this.dropQueue();
    } finally {
      this.pumping = false;
    }
  }

  private async open(): Promise<Stream | undefined> {
    const current = this.stream;
    if (current && current.status === 'open' && current.writeStatus === 'writable') return current;
    this.stream = undefined;
    if (this.o.clock.now() < this.retryAtMs) return undefined;
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.openTimeoutMs)]);
      const stream = await this.libp2p.dialProtocol(this.peer, this.protocol, { signal });
      this.counts.streamsOpened++;
      if (this.closed) {
        stream.abort(new Error('closed'));
        return undefined;
      }
      // Nothing is read from an outbound stream; a remote that closes its side ends it.
      stream.addEventListener('close', () => {
        if (this.stream === stream) this.stream = undefined;
      });
      this.stream = stream;
      return stream;
    } catch (err) {
      this.o.logger.debug({ err, peer: this.peer.toString() }, 'cannot open a consensus stream');
      this.retryAtMs = this.o.clock.now() + this.o.redialBackoffMs;
      return undefined;
    }
  }

  private dropQueue(): void {
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}
