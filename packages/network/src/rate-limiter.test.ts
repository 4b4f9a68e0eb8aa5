import { ManualClock, TokenBucket, WIRE_METHODS, type WireMethod } from '@hotsync/core';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_RATE_LIMITS } from './options.js';
import { InboundRateLimiter, type RateQuota } from './rate-limiter.js';

const quotas = (quota: RateQuota): Record<WireMethod, RateQuota> =>
  Object.fromEntries(WIRE_METHODS.map((m) => [m, quota])) as Record<WireMethod, RateQuota>;

describe('InboundRateLimiter (token bucket on the injected clock)', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const clock = new ManualClock(0);
    const limiter = new InboundRateLimiter(clock, quotas({ perSecond: 4, burst: 3 }));
    expect([1, 2, 3].map(() => limiter.take('a', 'status').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a', 'status')).toEqual({ allowed: false, retryAfterMs: 250 });
    clock.advance(100);
    expect(limiter.take('a', 'status')).toEqual({ allowed: false, retryAfterMs: 150 });
    clock.advance(150);
    expect(limiter.take('a', 'status').allowed).toBe(true);
  });

  it('keeps peers and protocols apart', () => {
    const clock = new ManualClock(0);
    const limiter = new InboundRateLimiter(clock, quotas({ perSecond: 1, burst: 1 }));
    expect(limiter.take('a', 'status').allowed).toBe(true);
    expect(limiter.take('a', 'status').allowed).toBe(false);
    expect(limiter.take('a', 'blocks_by_range').allowed).toBe(true);
    expect(limiter.take('b', 'status').allowed).toBe(true);
  });

  it('refills to the burst and no further; forget() gives a fresh bucket', () => {
    const clock = new ManualClock(0);
    const limiter = new InboundRateLimiter(clock, quotas({ perSecond: 10, burst: 2 }));
    limiter.take('a', 'status');
    limiter.take('a', 'status');
    clock.advance(60_000);
    expect([1, 2, 3].map(() => limiter.take('a', 'status').allowed)).toEqual([true, true, false]);
    limiter.forget('a');
    expect(limiter.size).toBe(0);
    expect(limiter.take('a', 'status').allowed).toBe(true);
  });

  it('sustains exactly its rate over time', () => {
    const clock = new ManualClock(0);
    const limiter = new InboundRateLimiter(clock, quotas({ perSecond: 50, burst: 5 }));
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      clock.advance(5);
      for (let i = 0; i < 3; i++) if (limiter.take('a', 'blocks_by_range').allowed) allowed++;
    }
    expect(allowed).toBeGreaterThanOrEqual(500);
    expect(allowed).toBeLessThanOrEqual(505);
  });

  it('stays bounded in memory: full buckets are pruned first', () => {
    const clock = new ManualClock(0);
    const limiter = new InboundRateLimiter(clock, DEFAULT_RATE_LIMITS, 100);
    for (let i = 0; i < 1_000; i++) limiter.take(`p${i}`, 'status');
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('when full, drops the least recently used: a peer still asking keeps its (empty) bucket', () => {
    const clock = new ManualClock(0);
    const limiter = new InboundRateLimiter(clock, quotas({ perSecond: 1, burst: 1 }), 16);
    expect(limiter.take('flooder', 'status').allowed).toBe(true);
    for (let i = 0; i < 100; i++) {
      limiter.take(`sybil${i}`, 'status');
      // The flooder keeps asking between the newcomers: it is never the least recently used.
      expect(limiter.take('flooder', 'status').allowed).toBe(false);
    }
    expect(limiter.size).toBeLessThanOrEqual(16);
  });

  it('a stream of new peers costs amortized constant work, not a scan of the table each', () => {
    // The clock stands still, so no bucket refills and every prune must evict: the old
    // limiter freed one slot per newcomer and scanned all buckets for each (quadratic).
    const clock = new ManualClock(0);
    const max = 1_000;
    const limiter = new InboundRateLimiter(clock, DEFAULT_RATE_LIMITS, max);
    const examined = vi.spyOn(TokenBucket.prototype, 'tokens');
    const newcomers = 20_000;
    for (let i = 0; i < newcomers; i++) limiter.take(`p${i}`, 'blocks_by_range');
    expect(limiter.size).toBeLessThanOrEqual(max);
    // Each prune examines at most `max` buckets and frees at least max/8 slots.
    expect(examined.mock.calls.length).toBeLessThanOrEqual((newcomers / (max / 8) + 1) * max);
    examined.mockRestore();
  });
});
