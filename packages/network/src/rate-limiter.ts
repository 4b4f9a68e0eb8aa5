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
  /** Keyed `method peer`; Map order is least recently used first (a take moves its bucket to the end). */
  private readonly buckets = new Map<string, TokenBucket>();
  /** Size a prune brings the table down to: each prune frees at least an eighth of it. */
  private readonly lowWater: number;

  constructor(
    private readonly clock: Clock,
    private readonly quotas: Readonly<Record<WireMethod, RateQuota>>,
    /** Most buckets kept; refilled ones, then the least recently used, are dropped beyond it. */
    private readonly maxBuckets = 65_536,
  ) {
    this.lowWater = maxBuckets - Math.max(1, Math.floor(maxBuckets / 8));
  }

  /** Takes one request's token, or says how long until one is there. */
  take(peer: PeerId, method: WireMethod, cost = 1): RateLimitDecision {
    const quota = this.quotas[method];
    const now = this.clock.now();
    const key = bucketKey(method, peer);
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // set again below: most recently used goes last
    } else {
      if (this.buckets.size >= this.maxBuckets) this.prune(now);
      bucket = new TokenBucket(quota.perSecond, quota.burst, now);
    }
    this.buckets.set(key, bucket);
    const taken = bucket.tryTake(now, cost);
    return taken.taken ? { allowed: true } : { allowed: false, retryAfterMs: taken.waitMs };
  }

  /** Forgets a peer (it disconnected): a reconnect starts with a full bucket, as a new peer would. */
  forget(peer: PeerId): void {
    for (const method of Object.keys(this.quotas) as WireMethod[])
      this.buckets.delete(bucketKey(method, peer));
  }

  get size(): number {
    return this.buckets.size;
  }

  /**
   * Drops buckets that have refilled completely (forgetting them changes nothing), then
   * the least recently used down to the low-water mark. A prune scans the table once and
   * frees at least an eighth of it, so a stream of new peers (many identities, or one
   * request per connection) costs amortized constant work per request. Freeing one slot
   * per new peer made each of them scan the whole table: with 65,536 buckets, ~1.5 ms per
   * request, found by the wire fuzz.
   */
  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens(now) >= bucket.capacity) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.lowWater) break;
      this.buckets.delete(key);
    }
  }
}

function bucketKey(method: WireMethod, peer: PeerId): string {
  return `${method} ${peer}`;
}
