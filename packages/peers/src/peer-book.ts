import type { PeerId, PeerStatus, RequestFailureKind } from '@hotsync/core';
import { MovingAverage } from './moving-average.js';
import type { PeerTuning } from './options.js';
import { REQUEST_FAILURE_KINDS } from './penalties.js';
import { PeerScore } from './scoring.js';

/** Everything we know about one peer. Mutable, owned by the peer manager; never handed out. */
export interface PeerRecord {
  readonly id: PeerId;
  trusted: boolean;
  /** Added and not removed since. Records of removed peers stay, so a reconnect keeps its score. */
  connected: boolean;
  status: PeerStatus | undefined;
  statusAtMs: number | undefined;
  /** Highest height the peer backed with a verified commit proof; undefined before any. */
  provenHeight: number | undefined;
  /** Milliseconds per response. */
  readonly latency: MovingAverage;
  /** Bytes per second per response. */
  readonly throughput: MovingAverage;
  successes: number;
  itemsServed: number;
  bytesServed: number;
  readonly failures: Record<RequestFailureKind, number>;
  /** Invalid data by the check it failed. */
  readonly invalidData: Map<string, number>;
  inFlight: number;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  /** When it was last added (staleness counts from here until the first status). */
  connectedAtMs: number;
  removedAtMs: number | undefined;
  /** Not selected before this time (a rate-limited reply's retry-after). */
  retryAfterUntilMs: number;
  consecutiveTimeouts: number;
  /** Has any request to it finished (success or fault)? Untried peers are rotated in first. */
  tried: boolean;
  /** A disconnect was asked for at this standing; cleared when the score recovers. */
  disconnectRequested: boolean;
  /** Replaced (fresh) when an operator lifts a ban by hand. */
  score: PeerScore;
}

function zeroFailures(): Record<RequestFailureKind, number> {
  return Object.fromEntries(REQUEST_FAILURE_KINDS.map((k) => [k, 0])) as Record<RequestFailureKind, number>;
}

/** The peer book: one record per peer ever seen, bounded by dropping long-gone peers first. */
export class PeerBook {
  private readonly records = new Map<PeerId, PeerRecord>();

  constructor(private readonly tuning: PeerTuning) {}

  get(peer: PeerId): PeerRecord | undefined {
    return this.records.get(peer);
  }

  /** The record of `peer`, created (not connected) if new. */
  ensure(peer: PeerId, nowMs: number): PeerRecord {
    let record = this.records.get(peer);
    if (!record) {
      record = {
        id: peer,
        trusted: false,
        connected: false,
        status: undefined,
        statusAtMs: undefined,
        provenHeight: undefined,
        latency: new MovingAverage(this.tuning.movingAverageAlpha),
        throughput: new MovingAverage(this.tuning.movingAverageAlpha),
        successes: 0,
        itemsServed: 0,
        bytesServed: 0,
        failures: zeroFailures(),
        invalidData: new Map(),
        inFlight: 0,
        firstSeenMs: nowMs,
        lastSeenMs: nowMs,
        connectedAtMs: nowMs,
        removedAtMs: nowMs,
        retryAfterUntilMs: 0,
        consecutiveTimeouts: 0,
        tried: false,
        disconnectRequested: false,
        score: new PeerScore(this.tuning.scoring, nowMs),
      };
      this.records.set(peer, record);
    }
    return record;
  }

  /** Every record, in the order peers were first seen (deterministic iteration for selection). */
  all(): IterableIterator<PeerRecord> {
    return this.records.values();
  }

  *connected(): IterableIterator<PeerRecord> {
    for (const r of this.records.values()) if (r.connected) yield r;
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Drops the records of removed peers, longest gone first, while the book is over its
   * bound. Connected peers are never dropped (bans live in the ban list, not here).
   */
  prune(keep: (record: PeerRecord) => boolean = () => false): number {
    const excess = this.records.size - this.tuning.maxBookSize;
    if (excess <= 0) return 0;
    const gone = [...this.records.values()]
      .filter((r) => !r.connected && !keep(r))
      .sort((a, b) => (a.removedAtMs ?? 0) - (b.removedAtMs ?? 0));
    let dropped = 0;
    for (const r of gone.slice(0, excess)) {
      this.records.delete(r.id);
      dropped++;
    }
    return dropped;
  }
}
