import { type Clock, InvalidArgumentError, type Random } from '@hotsync/core';
import { peekMessageType } from './message-codec.js';
import type { MessageType } from './messages.js';
import type { ConsensusTransport, MessageHandler, NodeId } from './transport.js';

export interface MemoryHubOptions {
  /** Deliveries are timers on this clock (a ManualClock in tests). */
  readonly clock: Clock;
  /** Drops and delay jitter draw from it (required when either is used). */
  readonly random?: Random;
  /** Latency of every message (default 5 ms; keep it above 0 on a manual clock, or rounds never let time pass). */
  readonly delayMs?: number;
  /** Extra latency, uniform in [0, jitterMs] (default 0). */
  readonly jitterMs?: number;
  /** Share of messages lost (default 0). */
  readonly dropRate?: number;
}

/** A verdict on one message: deliver it (after the hub's delay, or `delayMs`), or drop it. */
export type LinkVerdict = { readonly deliver: true; readonly delayMs?: number } | { readonly deliver: false };

/** Decides the fate of each message (tests: drop one type, slow one link, ...). */
export type LinkFilter = (from: NodeId, to: NodeId, type: MessageType | undefined) => LinkVerdict;

export interface HubStats {
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly inFlight: number;
}

/**
 * Connects transports in one process (tests, demos, simulations): each message is copied and
 * delivered on the injected clock after a delay, unless a partition, the drop rate or a
 * filter loses it. A partition is checked when the message arrives, as a cut link would.
 */
export class MemoryHub {
  private readonly nodes = new Map<NodeId, Set<MessageHandler>>();
  /** Group of each node while partitioned; undefined = everyone reaches everyone. */
  private groups: Map<NodeId, number> | undefined;
  private filter: LinkFilter | undefined;
  private delayMs: number;
  private jitterMs: number;
  private dropRate: number;
  private counts = { sent: 0, delivered: 0, dropped: 0, inFlight: 0 };

  constructor(private readonly options: MemoryHubOptions) {
    this.delayMs = options.delayMs ?? 5;
    this.jitterMs = options.jitterMs ?? 0;
    this.dropRate = options.dropRate ?? 0;
    this.checkLinkOptions();
  }

  /** A transport for node `id` (ids are unique while connected). */
  connect(id: NodeId): MemoryTransport {
    if (this.nodes.has(id))
      throw new InvalidArgumentError('arg.duplicate', `node ${id} is already connected`);
    this.nodes.set(id, new Set());
    return new MemoryTransport(this, id);
  }

  /** Removes a node: messages to it are dropped from now on. */
  disconnect(id: NodeId): void {
    this.nodes.delete(id);
  }

  /** Splits the network: messages pass only within a group; a node in no group reaches nobody. */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    const map = new Map<NodeId, number>();
    groups.forEach((group, i) => {
      for (const id of group) map.set(id, i);
    });
    this.groups = map;
  }

  /** Cuts one node off from everyone else (the others still reach each other). */
  isolate(id: NodeId): void {
    const others = [...this.nodes.keys()].filter((n) => n !== id);
    this.partition(others, [id]);
  }

  /** Ends any partition. */
  heal(): void {
    this.groups = undefined;
  }

  setFilter(filter: LinkFilter | undefined): void {
    this.filter = filter;
  }

  setLinks(links: {
    readonly delayMs?: number;
    readonly jitterMs?: number;
    readonly dropRate?: number;
  }): void {
    this.delayMs = links.delayMs ?? this.delayMs;
    this.jitterMs = links.jitterMs ?? this.jitterMs;
    this.dropRate = links.dropRate ?? this.dropRate;
    this.checkLinkOptions();
  }

  stats(): HubStats {
    return { ...this.counts };
  }

  /** @internal used by MemoryTransport */
  subscribe(id: NodeId, handler: MessageHandler): () => void {
    const handlers = this.nodes.get(id);
    handlers?.add(handler);
    return () => handlers?.delete(handler);
  }

  /** @internal used by MemoryTransport */
  post(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    this.counts.sent++;
    const type = peekMessageType(bytes);
    const verdict = this.filter?.(from, to, type) ?? { deliver: true };
    // `int` draws: core's systemRandom.float() throws on Node (randomInt's range limit).
    const lost = this.dropRate > 0 && this.random().int(0, 999_999) < this.dropRate * 1_000_000;
    if (!verdict.deliver || lost) {
      this.counts.dropped++;
      return;
    }
    const jitter = this.jitterMs > 0 ? this.random().int(0, this.jitterMs) : 0;
    const copy = bytes.slice(); // the receiver must not share the sender's buffer
    this.counts.inFlight++;
    this.options.clock.setTimeout(
      () => {
        this.counts.inFlight--;
        const handlers = this.nodes.get(to);
        if (!handlers || !this.reachable(from, to)) {
          this.counts.dropped++;
          return;
        }
        this.counts.delivered++;
        for (const handler of [...handlers]) handler(from, copy);
      },
      (verdict.delayMs ?? this.delayMs) + jitter,
    );
  }

  /** @internal used by MemoryTransport */
  peers(of: NodeId): NodeId[] {
    return [...this.nodes.keys()].filter((id) => id !== of);
  }

  private reachable(from: NodeId, to: NodeId): boolean {
    if (!this.groups) return true;
    const a = this.groups.get(from);
    return a !== undefined && a === this.groups.get(to);
  }

  private random(): Random {
    if (!this.options.random) {
      throw new InvalidArgumentError('arg.invalid', 'drops and jitter need the hub to have a Random');
    }
    return this.options.random;
  }

  private checkLinkOptions(): void {
    if (!(this.delayMs >= 0) || !(this.jitterMs >= 0) || !(this.dropRate >= 0 && this.dropRate <= 1)) {
      throw new InvalidArgumentError('arg.out-of-range', 'delayMs, jitterMs >= 0 and dropRate in [0, 1]');
    }
    if ((this.jitterMs > 0 || this.dropRate > 0) && !this.options.random) this.random();
  }
}

/** One node's end of a MemoryHub. */
export class MemoryTransport implements ConsensusTransport {
  constructor(
    private readonly hub: MemoryHub,
    readonly self: NodeId,
  ) {}

  send(to: NodeId, bytes: Uint8Array): void {
    this.hub.post(this.self, to, bytes);
  }

  broadcast(bytes: Uint8Array): void {
    for (const to of this.hub.peers(this.self)) this.hub.post(this.self, to, bytes);
  }

  subscribe(handler: MessageHandler): () => void {
    return this.hub.subscribe(this.self, handler);
  }

  /** Leaves the hub. */
  close(): void {
    this.hub.disconnect(this.self);
  }
}
