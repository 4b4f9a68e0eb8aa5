import { describe, expect, it } from 'vitest';
import { StrategyError } from '../errors.js';
import { AdaptiveRangeSize } from './adaptive-range-size.js';

/** Feeds `rounds` requests whose time follows `overhead + perBlock · blocks`. */
function drive(sizer: AdaptiveRangeSize, overheadMs: number, msPerBlock: number, rounds = 40): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const blocks = sizer.next();
    sizes.push(blocks);
    sizer.record({ blocks, durationMs: overheadMs + msPerBlock * blocks });
  }
  return sizes;
}

describe('AdaptiveRangeSize', () => {
  it('learns the cost model and settles where the transfer is 80 % of a request', () => {
    const sizer = new AdaptiveRangeSize({ min: 16, max: 4096 });
    drive(sizer, 60, 1); // 60 ms round trip, 1 ms per block
    const model = sizer.model()!;
    expect(model.overheadMs).toBeCloseTo(60, 3);
    expect(model.msPerBlock).toBeCloseTo(1, 6);
    expect(sizer.current()).toBeGreaterThan(220); // 4 · 60 / 1 = 240
    expect(sizer.current()).toBeLessThan(260);
  });

  it('wants bigger ranges for longer round trips and smaller ones for slower links', () => {
    const far = new AdaptiveRangeSize({ min: 16, max: 4096 });
    drive(far, 200, 1);
    const slow = new AdaptiveRangeSize({ min: 16, max: 4096 });
    drive(slow, 60, 4);
    expect(far.current()).toBeGreaterThan(700);
    expect(slow.current()).toBeLessThan(80);
  });

  it('keeps a request under maxRequestMs and within [min, max]', () => {
    const capped = new AdaptiveRangeSize({ min: 8, max: 10_000, maxRequestMs: 500 });
    drive(capped, 400, 1);
    expect(capped.current()).toBeLessThanOrEqual(100); // (500 - 400) / 1
    const bounded = new AdaptiveRangeSize({ min: 32, max: 512 });
    drive(bounded, 1_000, 0.01);
    expect(bounded.current()).toBe(512);
    for (const size of drive(new AdaptiveRangeSize({ min: 32, max: 512 }), 0, 50)) {
      expect(size).toBeGreaterThanOrEqual(32);
      expect(size).toBeLessThanOrEqual(512);
    }
  });

  it('probes around its size (so the fit has leverage) and is deterministic', () => {
    const a = drive(new AdaptiveRangeSize({ min: 16, max: 4096 }), 50, 2, 12);
    const b = drive(new AdaptiveRangeSize({ min: 16, max: 4096 }), 50, 2, 12);
    expect(a).toEqual(b);
    expect(new Set(a.slice(4)).size).toBeGreaterThan(1);
  });

  it('refuses bounds that make no sense', () => {
    expect(() => new AdaptiveRangeSize({ min: 0, max: 10 })).toThrow(StrategyError);
    expect(() => new AdaptiveRangeSize({ min: 20, max: 10 })).toThrow(StrategyError);
    expect(() => new AdaptiveRangeSize({ min: 1, max: 10, efficiency: 1 })).toThrow(StrategyError);
  });
});
