import type { PeerId } from '@hotsync/core';
import type { EndProofSource } from '../proof/range-end.js';
import type { RangeCostModel } from './adaptive-range-size.js';
import type { WindowLimits, WindowUsage } from './window.js';

export interface PeerDownloadStats {
  readonly requests: number;
  readonly blocks: number;
  readonly bytes: number;
  /** Downloads that failed (timeouts, errors, empty answers). */
  readonly failures: number;
  /** Ranges whose data failed verification or execution. */
  readonly rejected: number;
  /** Most requests in flight to this peer at once. */
  readonly maxInFlight: number;
}

/** What a coordinator run did, for logs, tests and benchmarks (virtual time under simnet). */
export interface CoordinatorStats {
  readonly requests: number;
  /** Downloads of a range after a failed one. */
  readonly retries: number;
  /** Ranges holding up the pipeline that were asked of a second peer. */
  readonly hedges: number;
  readonly blocksDownloaded: number;
  readonly bytesDownloaded: number;
  readonly rangesCommitted: number;
  readonly blocksCommitted: number;
  readonly failures: number;
  readonly rejected: number;
  /** How each stored range's end was proven. */
  readonly endProofs: Readonly<Record<EndProofSource, number>>;
  /** Most requests in flight at once, over all peers. */
  readonly maxInFlight: number;
  readonly window: { readonly limits: WindowLimits; readonly highWater: WindowUsage };
  readonly rangeSize: {
    readonly current: number;
    readonly smallest: number;
    readonly largest: number;
    readonly model: RangeCostModel | undefined;
  };
  readonly peers: Readonly<Record<PeerId, PeerDownloadStats>>;
}

type MutablePeerStats = { -readonly [K in keyof PeerDownloadStats]: PeerDownloadStats[K] };

/** Counts as the coordinator goes; `snapshot` gives the plain-data view. */
export class StatsRecorder {
  requests = 0;
  retries = 0;
  hedges = 0;
  blocksDownloaded = 0;
  bytesDownloaded = 0;
  rangesCommitted = 0;
  blocksCommitted = 0;
  failures = 0;
  rejected = 0;
  maxInFlight = 0;
  smallestRange = Number.POSITIVE_INFINITY;
  largestRange = 0;
  readonly endProofs: Record<EndProofSource, number> = { tail: 0, extended: 0, peer: 0, shrunk: 0 };
  private readonly perPeer = new Map<PeerId, MutablePeerStats>();
  private readonly inFlight = new Map<PeerId, number>();
  private inFlightTotal = 0;

  requestStarted(peer: PeerId, blocks: number): void {
    this.requests++;
    this.smallestRange = Math.min(this.smallestRange, blocks);
    this.largestRange = Math.max(this.largestRange, blocks);
    const p = this.peer(peer);
    p.requests++;
    const now = (this.inFlight.get(peer) ?? 0) + 1;
    this.inFlight.set(peer, now);
    p.maxInFlight = Math.max(p.maxInFlight, now);
    this.inFlightTotal++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlightTotal);
  }

  requestEnded(peer: PeerId, outcome: { blocks: number; bytes: number } | 'failed' | 'cancelled'): void {
    this.inFlight.set(peer, (this.inFlight.get(peer) ?? 1) - 1);
    this.inFlightTotal--;
    const p = this.peer(peer);
    if (outcome === 'failed') {
      this.failures++;
      p.failures++;
    } else if (outcome !== 'cancelled') {
      this.blocksDownloaded += outcome.blocks;
      this.bytesDownloaded += outcome.bytes;
      p.blocks += outcome.blocks;
      p.bytes += outcome.bytes;
    }
  }

  /**
   * How promising `peer` is for a new range, lowest first: 0 when it delivered in this run
   * and none of its ranges was refused; 2 when a request of ours failed on it (or a range of
   * it was refused) and it delivered nothing; 1 otherwise (untried).
   */
  dispatchRank(peer: PeerId): number {
    const p = this.perPeer.get(peer);
    if (p === undefined) return 1;
    if (p.blocks > 0 && p.rejected === 0) return 0;
    return p.failures > 0 || p.rejected > 0 ? 2 : 1;
  }

  /**
   * How promising `peer` is for a hedge, lowest first: 0 when it delivered in this run and
   * none of its ranges was refused; 1 when it has no request of ours in flight (untried or
   * idle, at least not stuck); 2 otherwise (its requests may be as stuck as the one hedged).
   */
  hedgeRank(peer: PeerId): number {
    const p = this.perPeer.get(peer);
    if (p !== undefined && p.blocks > 0 && p.rejected === 0) return 0;
    return (this.inFlight.get(peer) ?? 0) === 0 ? 1 : 2;
  }

  rangeRejected(peer: PeerId): void {
    this.rejected++;
    this.peer(peer).rejected++;
  }

  private peer(peer: PeerId): MutablePeerStats {
    let p = this.perPeer.get(peer);
    if (!p) {
      p = { requests: 0, blocks: 0, bytes: 0, failures: 0, rejected: 0, maxInFlight: 0 };
      this.perPeer.set(peer, p);
    }
    return p;
  }

  peerSnapshot(): Record<PeerId, PeerDownloadStats> {
    return Object.fromEntries([...this.perPeer].map(([id, s]) => [id, { ...s }]));
  }
}
