import type { PeerSummary } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { describeGap, gapAt, peerCoverage, peersServing, servableEnd } from './coverage.js';

function summary(
  peer: string,
  earliestHeight: number,
  provenHeight: number,
  extra: Partial<PeerSummary> = {},
): PeerSummary {
  return {
    peer,
    score: 0,
    trusted: false,
    banned: false,
    inFlight: 0,
    provenHeight,
    status: { height: provenHeight, view: 0, epoch: 0, blockHash: new Uint8Array(32), earliestHeight },
    ...extra,
  };
}

describe('peer coverage', () => {
  it('is [earliest, proven height capped by the claim] of unbanned proven peers', () => {
    const summaries = [
      summary('archive', 0, 256),
      summary('pruned', 257, 600),
      summary('banned', 0, 600, { banned: true }),
      summary('unproven', 0, 0),
      // Proved 500, claims 450 now (rolled back): serves up to 450, as peer selection has it.
      { ...summary('shrunk', 100, 500), status: { ...summary('x', 100, 450).status! } },
    ];
    expect(peerCoverage(summaries)).toEqual([
      { peer: 'archive', from: 0, to: 256 },
      { peer: 'pruned', from: 257, to: 600 },
      { peer: 'shrunk', from: 100, to: 450 },
    ]);
  });

  it('ends a range from `from` where the longest coverage holding `from` ends', () => {
    const coverage = peerCoverage([summary('a', 0, 256), summary('b', 250, 512), summary('c', 505, 600)]);
    expect(servableEnd(coverage, 1)).toBe(256);
    expect(servableEnd(coverage, 249)).toBe(256);
    expect(servableEnd(coverage, 250)).toBe(512);
    expect(servableEnd(coverage, 257)).toBe(512);
    expect(servableEnd(coverage, 513)).toBe(600);
    expect(servableEnd(coverage, 601)).toBeUndefined();
    expect(peersServing(coverage, 250, 256).map((c) => c.peer)).toEqual(['a', 'b']);
    expect(peersServing(coverage, 240, 260)).toEqual([]);
  });

  it('names the heights nobody holds: up to the next peer’s earliest height, or the target', () => {
    const coverage = peerCoverage([summary('a', 0, 256), summary('b', 300, 600), summary('c', 280, 400)]);
    expect(gapAt(coverage, 200, 600)).toBeUndefined();
    expect(gapAt(coverage, 257, 600)).toEqual({ from: 257, to: 279 });
    expect(gapAt(coverage, 601, 700)).toEqual({ from: 601, to: 700 });
    expect(gapAt([], 1, 50)).toEqual({ from: 1, to: 50 });
    expect(describeGap({ from: 257, to: 279 }, coverage)).toBe(
      'no peer has heights 257..279 (peers hold a 0..256, b 300..600, c 280..400)',
    );
  });
});
