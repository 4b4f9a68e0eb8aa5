import { ManualClock } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { SharedChannel } from './shared-channel.js';

/** Starts transfers at the given times and returns when each finished. */
function simulate(bytesPerSec: number, transfers: readonly { at: number; bytes: number }[]): number[] {
  const clock = new ManualClock(0);
  const channel = new SharedChannel(clock, bytesPerSec);
  const done: number[] = new Array(transfers.length).fill(Number.NaN);
  transfers.forEach((t, i) => {
    clock.setTimeout(() => channel.start(t.bytes, () => (done[i] = clock.now())), t.at);
  });
  while (clock.runNext()) {}
  return done;
}

describe('SharedChannel (processor sharing)', () => {
  it('takes N/B for one transfer of N bytes at B bytes/s', () => {
    expect(simulate(1_000_000, [{ at: 0, bytes: 250_000 }])).toEqual([250]);
    expect(simulate(12_500_000, [{ at: 5, bytes: 1_250_000 }])).toEqual([105]);
    // Rounded up to the next whole millisecond: 1000 bytes at 3 MB/s take 0.33 ms.
    expect(simulate(3_000_000, [{ at: 0, bytes: 1000 }])).toEqual([1]);
  });

  it('shares the bandwidth equally between concurrent transfers', () => {
    // Two equal transfers together take twice as long, and finish together.
    expect(
      simulate(1_000_000, [
        { at: 0, bytes: 100_000 },
        { at: 0, bytes: 100_000 },
      ]),
    ).toEqual([200, 200]);
    // 300 kB and 100 kB from t=0: the small one gets half until it is done (200 ms), then the
    // big one has the link alone for its last 200 kB (200 ms).
    expect(
      simulate(1_000_000, [
        { at: 0, bytes: 300_000 },
        { at: 0, bytes: 100_000 },
      ]),
    ).toEqual([400, 200]);
    // A second transfer joining at 50 ms: the first has 50 kB left, shared until it is done.
    expect(
      simulate(1_000_000, [
        { at: 0, bytes: 100_000 },
        { at: 50, bytes: 100_000 },
      ]),
    ).toEqual([150, 200]);
  });

  it('moves as many bytes per second as the link carries, whatever the mix', () => {
    // The first transfer keeps the link busy while the others arrive.
    const transfers = Array.from({ length: 20 }, (_, i) => ({
      at: i * 7,
      bytes: i === 0 ? 500_000 : 10_000 + i * 3_333,
    }));
    const total = transfers.reduce((n, t) => n + t.bytes, 0);
    const done = simulate(2_000_000, transfers);
    // Busy from 0 until everything has gone: total/B, within the 1 ms rounding.
    expect(Math.max(...done)).toBeGreaterThanOrEqual((total / 2_000_000) * 1000);
    expect(Math.max(...done)).toBeLessThanOrEqual((total / 2_000_000) * 1000 + 1);
  });

  it('frees the share of a cancelled transfer and finishes zero-byte and unlimited transfers at once', () => {
    const clock = new ManualClock(0);
    const channel = new SharedChannel(clock, 1_000_000);
    const done: number[] = [];
    const a = channel.start(100_000, () => done.push(-1));
    channel.start(100_000, () => done.push(clock.now()));
    clock.advance(50); // each has 75 kB left
    a.cancel();
    while (clock.runNext()) {}
    expect(done).toEqual([125]);
    expect(simulate(Number.POSITIVE_INFINITY, [{ at: 3, bytes: 1 << 30 }])).toEqual([3]);
    expect(simulate(1000, [{ at: 3, bytes: 0 }])).toEqual([3]);
  });
});
