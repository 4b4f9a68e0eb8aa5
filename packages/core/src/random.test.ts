import { describe, expect, it } from 'vitest';
import { SeededRandom, shuffleInPlace, systemRandom } from './random.js';

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return [r.int(0, 1_000_000), r.float(), Buffer.from(r.bytes(7)).toString('hex'), r.fork().int(0, 99)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays within bounds and covers them', () => {
    const r = new SeededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const v = r.int(3, 9);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(9);
      seen.add(v);
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
    expect(seen.size).toBe(7);
    expect(() => r.int(5, 4)).toThrow();
  });

  it('shuffles to a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = shuffleInPlace([...items], new SeededRandom(9));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });

  it('has a system source with the same interface, every method working over its whole domain', () => {
    const v = systemRandom.int(0, 10);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(10);
    expect(systemRandom.bytes(16)).toHaveLength(16);
    for (let i = 0; i < 1_000; i++) {
      const f = systemRandom.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
    for (const [min, max] of [
      [0, 2 ** 48 - 2],
      [0, 2 ** 48 - 1],
      [0, 2 ** 48],
      [-(2 ** 52), 2 ** 52],
      [0, Number.MAX_SAFE_INTEGER],
    ] as const) {
      const x = systemRandom.int(min, max);
      expect(Number.isSafeInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(min);
      expect(x).toBeLessThanOrEqual(max);
    }
  });
});
