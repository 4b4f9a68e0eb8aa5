import { describe, expect, it } from 'vitest';
import { AdaptiveRangeSize } from './adaptive-range-size.js';
import { MIN_FOLLOWING_BLOCKS, nextRangeSize } from './scheduler.js';

const sizer = (initial: number) => new AdaptiveRangeSize({ min: 32, max: 508, initial });

describe('nextRangeSize', () => {
  it('uses the adaptive size far from the end', () => {
    expect(
      nextRangeSize({ nextFrom: 1, target: 100_000, sizer: sizer(256), maxRange: 508, usablePeers: 8 }),
    ).toBe(256);
  });

  it('spreads the last blocks over the usable peers, never below the minimum', () => {
    expect(
      nextRangeSize({ nextFrom: 1, target: 800, sizer: sizer(508), maxRange: 508, usablePeers: 8 }),
    ).toBe(100);
    expect(
      nextRangeSize({ nextFrom: 1, target: 100, sizer: sizer(508), maxRange: 508, usablePeers: 8 }),
    ).toBe(32);
  });

  it('never leaves fewer than three blocks after a range', () => {
    for (let remaining = 1; remaining < 1_200; remaining++) {
      const size = nextRangeSize({
        nextFrom: 1,
        target: remaining,
        sizer: sizer(300),
        maxRange: 508,
        usablePeers: 3,
      });
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThanOrEqual(Math.min(remaining, 508));
      const after = remaining - size;
      expect(after === 0 || after >= MIN_FOLLOWING_BLOCKS).toBe(true);
    }
  });
});
