import { ManualClock, WIRE_METHODS, type WireMethod } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
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
});
