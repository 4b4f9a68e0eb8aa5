import { SeededRandom } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import {
  type EligibilityInput,
  eligibility,
  referenceThroughput,
  selectionWeight,
  weightedSample,
} from './selection.js';

const base: EligibilityInput = {
  excluded: false,
  connected: true,
  banned: false,
  waiting: false,
  standing: 'usable',
  inFlight: 0,
  maxInFlight: 2,
  servableHeight: 100,
  earliestHeight: 0,
};

describe('eligibility', () => {
  it('names the first reason a peer is left out', () => {
    expect(eligibility(base, { minHeight: 100 })).toBe('eligible');
    expect(eligibility({ ...base, banned: true, waiting: true }, { minHeight: 0 })).toBe('banned');
    expect(eligibility({ ...base, waiting: true }, { minHeight: 0 })).toBe('waiting');
    expect(eligibility({ ...base, standing: 'resting' }, { minHeight: 0 })).toBe('resting');
    expect(eligibility({ ...base, inFlight: 2 }, { minHeight: 0 })).toBe('busy');
    expect(eligibility(base, { minHeight: 101 })).toBe('too-short');
    expect(eligibility({ ...base, servableHeight: undefined }, { minHeight: 0 })).toBe('too-short');
    expect(eligibility({ ...base, earliestHeight: 50 }, { minHeight: 100, fromHeight: 40 })).toBe('pruned');
    expect(eligibility({ ...base, excluded: true }, { minHeight: 0 })).toBe('excluded');
  });
});

const params = { referenceThroughput: 1_000, scoreScale: 20, maxScore: 20, trustedWeight: 2 };
const w = (over: Partial<Parameters<typeof selectionWeight>[0]> = {}) =>
  selectionWeight(
    { score: 0, throughput: 1_000, inFlight: 0, maxInFlight: 2, trusted: false, ...over },
    params,
  );

describe('selectionWeight', () => {
  it('is proportional to throughput and free capacity, preferring trusted and well-scored peers', () => {
    expect(w()).toBe(1);
    expect(w({ throughput: 4_000 })).toBe(4);
    expect(w({ throughput: undefined })).toBe(1);
    expect(w({ inFlight: 1 })).toBe(0.5);
    expect(w({ inFlight: 2 })).toBe(0);
    expect(w({ trusted: true })).toBe(2);
    expect(w({ score: 20 })).toBe(2);
    expect(w({ score: -10 })).toBe(0.5);
    expect(w({ score: -19.99 })).toBeCloseTo(0.05, 9);
  });

  it('uses the median measured throughput as the reference', () => {
    expect(referenceThroughput([])).toBe(1);
    expect(referenceThroughput([5, 1, 3])).toBe(3);
    expect(referenceThroughput([4, 1, 3, 10])).toBe(3.5);
  });
});

describe('weightedSample', () => {
  it('gives equal weights equal shares', () => {
    const random = new SeededRandom(1);
    const items = ['a', 'b', 'c', 'd'].map((id) => ({ id, weight: 1 }));
    const counts = new Map<string, number>();
    for (let i = 0; i < 8_000; i++) {
      const [id] = weightedSample(items, 1, random);
      counts.set(id!, (counts.get(id!) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c', 'd']) expect(counts.get(id)).toBeGreaterThan(1_850);
  });

  it('gives shares in proportion to weight', () => {
    const random = new SeededRandom(2);
    const items = [
      { id: 'fast', weight: 3 },
      { id: 'slow', weight: 1 },
    ];
    let fast = 0;
    for (let i = 0; i < 8_000; i++) if (weightedSample(items, 1, random)[0] === 'fast') fast++;
    expect(fast / 8_000).toBeGreaterThan(0.72);
    expect(fast / 8_000).toBeLessThan(0.78);
  });

  it('draws without replacement, skips zero weights and is reproducible from the seed', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, weight: i === 2 ? 0 : 1 }));
    const one = weightedSample(items, 10, new SeededRandom(7));
    expect(new Set(one).size).toBe(4);
    expect(one).not.toContain('c');
    expect(weightedSample(items, 10, new SeededRandom(7))).toEqual(one);
    expect(weightedSample(items, 0, new SeededRandom(7))).toEqual([]);
  });
});
