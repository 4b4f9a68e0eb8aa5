import { describe, expect, it } from 'vitest';
import { assessPosition, estimateNetworkHeight, type HeightSample, lowerMedian } from './network-height.js';

describe('lowerMedian', () => {
  it('takes the lower middle value', () => {
    expect(lowerMedian([])).toBeUndefined();
    expect(lowerMedian([7])).toBe(7);
    expect(lowerMedian([3, 1, 2])).toBe(2);
    expect(lowerMedian([4, 1, 3, 2])).toBe(2);
  });
});

describe('estimateNetworkHeight', () => {
  const honest = (i: number): HeightSample => ({ peer: `h${i}`, claimed: 1_000 + i, proven: 1_000 + i });
  const liar = (i: number): HeightSample => ({ peer: `l${i}`, claimed: 10_000_000 + i, proven: undefined });

  it('stays at the highest proven height with 4 of 10 peers lying wildly high', () => {
    const samples = [...[0, 1, 2, 3, 4, 5].map(honest), ...[0, 1, 2, 3].map(liar)];
    const estimate = estimateNetworkHeight(samples, { minProvenPeers: 1 });
    expect(estimate).toMatchObject({ height: 1_005, basis: 6, proven: true, maxProvenHeight: 1_005 });
    // Even counting claims, a minority of liars cannot move the (lower) median off honest values.
    const claims = estimateNetworkHeight(samples, { minProvenPeers: 7, allowUnproven: true });
    expect(claims.proven).toBe(false);
    expect(claims.height).toBe(1_004);
  });

  it('is not held down by a majority proving an older height (stale or Sybil peers)', () => {
    const stale = (i: number): HeightSample => ({ peer: `s${i}`, claimed: 400, proven: 400 });
    const samples = [honest(0), ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map(stale)];
    expect(estimateNetworkHeight(samples, { minProvenPeers: 1 })).toMatchObject({ height: 1_000, basis: 10 });
  });

  it('requires proofs unless asked otherwise, and flags claim-based estimates', () => {
    const samples = [liar(0), liar(1)];
    expect(estimateNetworkHeight(samples, { minProvenPeers: 1 })).toMatchObject({
      height: undefined,
      basis: 0,
    });
    expect(estimateNetworkHeight(samples, { minProvenPeers: 1, allowUnproven: true })).toMatchObject({
      height: 10_000_000,
      proven: false,
      basis: 2,
    });
  });
});

describe('assessPosition', () => {
  it('tells behind, in sync and ahead (a possible fork or partition) apart', () => {
    expect(assessPosition(10, undefined, 2)).toEqual({ kind: 'unknown' });
    expect(assessPosition(10, 50, 2)).toEqual({ kind: 'behind', blocks: 40 });
    expect(assessPosition(10, 12, 2)).toEqual({ kind: 'in-sync', blocks: 2 });
    expect(assessPosition(10, 8, 2)).toEqual({ kind: 'in-sync', blocks: 2 });
    expect(assessPosition(10, 7, 2)).toEqual({ kind: 'ahead', blocks: 3, suspicion: 'fork-or-partition' });
  });
});
