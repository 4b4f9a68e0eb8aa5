import { describe, expect, it } from 'vitest';
import { DecayingValue, decayed } from './decay.js';

describe('DecayingValue', () => {
  it('halves toward zero every half-life, from either side', () => {
    const v = new DecayingValue(1_000, 0);
    v.add(0, -40, -100, 100);
    expect(v.get(0)).toBe(-40);
    expect(v.get(1_000)).toBeCloseTo(-20, 9);
    expect(v.get(3_000)).toBeCloseTo(-5, 9);
    const w = new DecayingValue(1_000, 0);
    w.add(0, 8, -100, 100);
    expect(w.get(2_000)).toBeCloseTo(2, 9);
  });

  it('is lazy: reading often or rarely gives the same value', () => {
    const often = new DecayingValue(600, 0);
    const rarely = new DecayingValue(600, 0);
    often.add(0, -30, -100, 100);
    rarely.add(0, -30, -100, 100);
    for (let t = 0; t <= 5_000; t += 7) often.get(t);
    expect(often.get(5_000)).toBeCloseTo(rarely.get(5_000), 9);
  });

  it('clamps and reports the change actually made', () => {
    const v = new DecayingValue(1_000, 0);
    expect(v.add(0, -70, -100, 20)).toBe(-70);
    expect(v.add(0, -70, -100, 20)).toBe(-30);
    expect(v.get(0)).toBe(-100);
    expect(v.add(0, 500, -100, 20)).toBe(120);
  });

  it('snaps to exactly zero once negligible, and ignores time running backward', () => {
    const v = new DecayingValue(1_000, 10_000);
    v.add(10_000, -1, -100, 100);
    expect(v.get(5_000)).toBe(-1);
    expect(v.get(10_000 + 100_000)).toBe(0);
  });

  it('decayed() matches the lazy value', () => {
    expect(decayed(-12, 500, 500)).toBeCloseTo(-6, 9);
    expect(decayed(-12, -5, 500)).toBe(-12);
  });
});
