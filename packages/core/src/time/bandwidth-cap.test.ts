import { describe, expect, it } from 'vitest';
import { AbortedError, InvalidArgumentError } from '../errors.js';
import { BandwidthCap } from './bandwidth-cap.js';
import { flushMicrotasks, ManualClock } from './manual-clock.js';

/** Records the virtual time at which each acquire resolved. */
function track(clock: ManualClock, promise: Promise<void>, log: number[]): Promise<void> {
  return promise.then(() => {
    log.push(clock.now());
  });
}

describe('BandwidthCap', () => {
  it('lets the burst through at once, then reads at the rate, first come first served', async () => {
    const clock = new ManualClock();
    const cap = new BandwidthCap({ bytesPerSec: 1_000, burstBytes: 100, clock });
    expect(cap.tryAcquire(100)).toBe(true);
    expect(cap.tryAcquire(1)).toBe(false);
    const done: number[] = [];
    const order: string[] = [];
    const a = track(clock, cap.acquire(200), done).then(() => order.push('a'));
    const b = track(clock, cap.acquire(50), done).then(() => order.push('b'));
    const c = track(clock, cap.acquire(300), done).then(() => order.push('c'));
    expect(cap.waiting).toBe(3);
    expect(cap.tryAcquire(1)).toBe(false); // others wait: no overtaking
    for (let i = 0; i < 100 && cap.waiting > 0; i++) {
      clock.runNext();
      await flushMicrotasks();
    }
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
    // 100 free, then 200 + 50 + 300 at 1 byte/ms.
    expect(done).toEqual([200, 250, 550]);
    expect(cap.stats()).toEqual({ bytes: 650, waits: 3, waitedMs: 200 + 250 + 550 });
  });

  it('carries B bytes in no less than (B - burst) / rate, whatever the piece sizes', async () => {
    const clock = new ManualClock(5_000);
    const cap = new BandwidthCap({ bytesPerSec: 10_000, clock }); // burst 1 000
    const pieces = [16_384, 3, 65_536, 700, 1, 4_096, 20_000, 512];
    const total = pieces.reduce((a, b) => a + b, 0);
    let finished = false;
    const reader = (async () => {
      for (const p of pieces) await cap.acquire(p);
      finished = true;
    })();
    for (let i = 0; i < 1_000 && !finished; i++) {
      await flushMicrotasks();
      if (!finished) clock.runNext();
    }
    await reader;
    const elapsedMs = clock.now() - 5_000;
    expect(elapsedMs).toBeGreaterThanOrEqual(((total - cap.burstBytes) * 1000) / 10_000);
    // ...and not much more: the cap is a ceiling, not a brake beyond it (whole-ms rounding only).
    expect(elapsedMs).toBeLessThanOrEqual(Math.ceil((total * 1000) / 10_000) + pieces.length);
  });

  it('shares one budget among concurrent readers', async () => {
    const clock = new ManualClock();
    const cap = new BandwidthCap({ bytesPerSec: 1_000, burstBytes: 10, clock });
    let bytes = 0;
    const readers = [0, 1, 2, 3].map(async () => {
      for (let i = 0; i < 10; i++) {
        await cap.acquire(25);
        bytes += 25;
      }
    });
    const all = Promise.all(readers);
    let settled = false;
    void all.then(() => (settled = true));
    while (!settled) {
      await flushMicrotasks();
      if (!settled) expect(clock.runNext()).toBe(true);
    }
    expect(bytes).toBe(1_000);
    expect(clock.now()).toBeGreaterThanOrEqual(990); // 1 000 bytes at 1 000 B/s, 10 of them free
  });

  it('an aborted waiter leaves the queue and the next one goes on', async () => {
    const clock = new ManualClock();
    const cap = new BandwidthCap({ bytesPerSec: 1_000, burstBytes: 10, clock });
    expect(cap.tryAcquire(10)).toBe(true);
    const controller = new AbortController();
    const first = cap.acquire(500, controller.signal);
    const second = cap.acquire(100);
    const secondAt: number[] = [];
    const tracked = track(clock, second, secondAt);
    clock.advance(100);
    controller.abort(new Error('request done'));
    await expect(first).rejects.toBeInstanceOf(AbortedError);
    expect(cap.waiting).toBe(1);
    while (cap.waiting > 0) {
      clock.runNext();
      await flushMicrotasks();
    }
    await tracked;
    // The aborted read's 500 bytes were downloaded all the same: they stay charged.
    expect(secondAt).toEqual([600]);
    await expect(cap.acquire(1, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
  });

  it('refuses a cap or burst that is not a positive integer', () => {
    const clock = new ManualClock();
    expect(() => new BandwidthCap({ bytesPerSec: 0, clock })).toThrow(InvalidArgumentError);
    expect(() => new BandwidthCap({ bytesPerSec: 1.5, clock })).toThrow(InvalidArgumentError);
    expect(() => new BandwidthCap({ bytesPerSec: 100, burstBytes: 0, clock })).toThrow(InvalidArgumentError);
    expect(new BandwidthCap({ bytesPerSec: 5, clock }).burstBytes).toBe(1);
  });
});
