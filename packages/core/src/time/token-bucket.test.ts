import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, refills at its rate up to its capacity, and says how long a refused take waits', () => {
    const bucket = new TokenBucket(10, 5, 1_000);
    expect(bucket.tryTake(1_000, 5)).toEqual({ taken: true });
    expect(bucket.tryTake(1_000, 1)).toEqual({ taken: false, waitMs: 100 });
    expect(bucket.tokens(1_250)).toBeCloseTo(2.5);
    expect(bucket.tryTake(1_300, 3)).toEqual({ taken: true });
    expect(bucket.tokens(100_000)).toBe(5); // never above capacity
  });

  it('goes into debt with takeAnyway, and later takers wait it off', () => {
    const bucket = new TokenBucket(1_000, 100, 0);
    bucket.takeAnyway(0, 600); // 500 in debt
    expect(bucket.tokens(0)).toBe(-500);
    expect(bucket.msUntil(0, 0)).toBe(500);
    expect(bucket.msUntil(0, 100)).toBe(600);
    expect(bucket.msUntil(500, 0)).toBe(0);
    expect(bucket.tryTake(499, 1).taken).toBe(false);
  });

  it('ignores time going backwards', () => {
    const bucket = new TokenBucket(1_000, 10, 500);
    bucket.takeAnyway(500, 10);
    expect(bucket.tokens(400)).toBe(0);
    expect(bucket.tokens(505)).toBe(5);
  });

  it('refuses a rate or capacity that is not positive', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(InvalidArgumentError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => new TokenBucket(Number.NaN, 1, 0)).toThrow(InvalidArgumentError);
  });
});
