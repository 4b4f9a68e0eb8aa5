import type { Clock, PeerId, WireMethod } from '@hotsync/core';

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
 * clock nor smooth bursts at window edges; a token bucket is a dozen lines.
 */
export class InboundRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

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
      bucket = { tokens: quota.burst, atMs: now };
      this.buckets.set(key, bucket);
    }
    const elapsedMs = Math.max(0, now - bucket.atMs);
    bucket.tokens = Math.min(quota.burst, bucket.tokens + (elapsedMs * quota.perSecond) / 1000);
    bucket.atMs = now;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true };
    }
    const retryAfterMs = Math.ceil(((cost - bucket.tokens) * 1000) / quota.perSecond);
    return { allowed: false, retryAfterMs: Math.max(1, retryAfterMs) };
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
      const method = key.slice(0, key.indexOf(' ')) as WireMethod;
      const quota = this.quotas[method];
      if (bucket.tokens + ((now - bucket.atMs) * quota.perSecond) / 1000 >= quota.burst) {
        this.buckets.delete(key);
      }
    }
    // Still full of active peers: drop the oldest entries (Map keeps insertion order).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxBuckets) break;
      this.buckets.delete(key);
    }
  }
}
