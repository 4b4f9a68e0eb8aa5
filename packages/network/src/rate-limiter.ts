import { type Clock, type PeerId, TokenBucket, type WireMethod } from '@hotsync/core';

/** A quota: `burst` requests at once, refilled at `perSecond`. */
export interface RateQuota {
  readonly perSecond: number;
  readonly burst: number;
}

export type RateLimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Inbound quotas per peer and per protocol: a token bucket per (peer, method), refilled
 * lazily from the injected clock (no timers, so it runs in virtual time too). Over quota,
 * the caller answers `rate-limited` with the returned retry-after: asking too much is
 * back-pressure, never a fault, and never costs the peer its score.
 *
 * Why not a library: @libp2p/utils' `RateLimiter` (a port of rate-limiter-flexible) counts
 * fixed windows on `Date.now()` and `setTimeout`, so it can neither run on an injected
 * clock nor smooth bursts at window edges; core's `TokenBucket` (also behind the download
 * bandwidth cap) does.
 */
export class InboundRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly quotas: Readonly<Record<WireMethod, RateQuota>>,
    /** Most buckets kept; the fullest (least interesting) are dropped first beyond it. */
    private readonly maxBuckets = 65_536,
  ) {}

  /** Takes one request's token, or says how long until one is there. */
  take(peer: PeerId, method: WireMethod, cost = 1): RateLimitDecision {
    const quota = this.quotas[method];
    const now = this.clock.now();
    const key = `${method} ${peer}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) this.prune(now);
      bucket = new TokenBucket(quota.perSecond, quota.burst, now);
      this.buckets.set(key, bucket);
    }
    const taken = bucket.tryTake(now, cost);
    return taken.taken ? { allowed: true } : { allowed: false, retryAfterMs: taken.waitMs };
  }

  /** Forgets a peer (it disconnected): a reconnect starts with a full bucket, as a new peer would. */
  forget(peer: PeerId): void {
    for (const key of this.buckets.keys()) {
      if (key.slice(key.indexOf(' ') + 1) === peer) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens(now) >= bucket.capacity) this.buckets.delete(key);
    }
    // Still full of active peers: drop the oldest entries (Map keeps insertion order).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxBuckets) break;
      this.buckets.delete(key);
    }
  }
}
