import type { PeerId, PeerSummary, SyncContext } from '@hotsync/core';
import type { AdaptiveRangeSize } from './adaptive-range-size.js';
import type { Batch } from './batch-state.js';
import { peerCoverage, peersServing } from './coverage.js';

/**
 * A range never leaves fewer blocks than this after it: after a view gap a range may grow
 * by two blocks into the next one (its tail proves the block after the gap), and the next
 * one must keep at least one block of its own.
 */
export const MIN_FOLLOWING_BLOCKS = 3;

export interface RangePlanInput {
  readonly nextFrom: number;
  readonly target: number;
  readonly sizer: AdaptiveRangeSize;
  /** Largest range (the wire's blocks-per-request limit minus the extra tail blocks). */
  readonly maxRange: number;
  /** Peers that could serve the next range now. */
  readonly usablePeers: number;
}

/**
 * The size of the next range from `nextFrom`: the adaptive size, but near the end what is
 * left is spread over the usable peers (so the last ranges arrive together rather than one
 * peer carrying the tail), never below the minimum, never leaving a sliver after it.
 */
export function nextRangeSize(input: RangePlanInput): number {
  const { nextFrom, target, sizer, maxRange } = input;
  const remaining = target - nextFrom + 1;
  const spread = Math.ceil(remaining / Math.max(1, input.usablePeers));
  let size = Math.max(Math.min(sizer.next(), maxRange, spread), Math.min(sizer.min, remaining));
  size = Math.min(size, remaining, maxRange);
  const after = remaining - size;
  if (after > 0 && after < MIN_FOLLOWING_BLOCKS) {
    size = remaining <= maxRange ? remaining : remaining - MIN_FOLLOWING_BLOCKS;
  }
  return size;
}

/**
 * The best free peer for `batch` (DESIGN §6 selection: weighted by score and throughput,
 * skipping busy, resting and banned peers and those whose proven height is below the
 * range), holding one of its request slots (`acquire`). Peers that failed the batch go
 * last: only when no other peer could ever serve it are they given another chance.
 * `rank` orders the candidates, lowest first (a hedge goes to a peer known to deliver).
 */
export function pickPeer(
  ctx: SyncContext,
  batch: Batch,
  summaries: readonly PeerSummary[],
  connected: ReadonlySet<PeerId>,
  busyWith: readonly PeerId[] = [],
  rank?: (peer: PeerId) => number,
): PeerId | undefined {
  const unreachable = [...busyWith, ...summaries.filter((p) => !connected.has(p.peer)).map((p) => p.peer)];
  const select = (excluded: Iterable<PeerId>) => {
    const drawn = ctx.peers.selectPeers({
      minHeight: batch.to,
      fromHeight: batch.from,
      // All candidates when they are ranked: the draw's order only breaks ties of rank.
      count: rank ? Math.max(4, summaries.length) : 4,
      exclude: new Set([...unreachable, ...excluded]),
    });
    if (!rank) return drawn;
    const ranks = new Map(drawn.map((p) => [p, rank(p)]));
    return drawn.sort((a, b) => ranks.get(a)! - ranks.get(b)!);
  };
  let candidates = select(batch.excluded);
  if (candidates.length === 0 && batch.excluded.size > 0) {
    // Only peers that hold the whole range (a pruned peer above `from` never will).
    const others = peersServing(peerCoverage(summaries), batch.from, batch.to).filter(
      (p) => connected.has(p.peer) && !batch.excluded.has(p.peer) && !busyWith.includes(p.peer),
    );
    // Someone else could serve it once free: wait for them rather than go back to a peer that failed it.
    if (others.length > 0) return undefined;
    batch.excluded.clear();
    candidates = select([]);
  }
  for (const peer of candidates) if (ctx.peers.acquire(peer)) return peer;
  return undefined;
}
