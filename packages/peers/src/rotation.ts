import type { PeerId } from '@hotsync/core';

/** A peer as rotation sees it. */
export interface RotationPeer {
  readonly id: PeerId;
  readonly trusted: boolean;
  /** Could be selected now (not banned, resting, waiting or gone). */
  readonly usable: boolean;
  /** No status for too long. */
  readonly stale: boolean;
  /** Has answered (or failed) at least one request. */
  readonly tried: boolean;
  readonly score: number;
}

export interface RotationInput {
  /** The active set, in order of joining. */
  readonly active: readonly RotationPeer[];
  /** Connected peers outside the active set that could join. */
  readonly candidates: readonly RotationPeer[];
  readonly maxActive: number;
  /** Swaps of a working-but-worst peer per round; dead weight is replaced regardless. */
  readonly swaps: number;
}

export interface RotationPlan {
  readonly add: readonly PeerId[];
  readonly remove: readonly PeerId[];
}

/**
 * Candidates best first: trusted (preferred), then untried (exploration: an unknown peer may
 * be the fastest), then recovered ones by score. Stable, so equal peers keep their order and
 * the plan is deterministic.
 */
function rankCandidates(candidates: readonly RotationPeer[]): RotationPeer[] {
  return candidates
    .filter((c) => c.usable && !c.stale)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => {
      if (a.c.trusted !== b.c.trusted) return a.c.trusted ? -1 : 1;
      if (a.c.tried !== b.c.tried) return a.c.tried ? 1 : -1;
      return b.c.score - a.c.score || a.i - b.i;
    })
    .map(({ c }) => c);
}

/** Active peers worst first: dead weight (unusable, stale), then by score. Trusted never leave. */
function rankReplaceable(active: readonly RotationPeer[]): RotationPeer[] {
  const deadWeight = (p: RotationPeer) => !p.usable || p.stale;
  return active
    .filter((p) => !p.trusted)
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      if (deadWeight(a.p) !== deadWeight(b.p)) return deadWeight(a.p) ? -1 : 1;
      return a.p.score - b.p.score || a.i - b.i;
    })
    .map(({ p }) => p);
}

/**
 * One rotation round, as a plan: fill free slots, then replace the worst active peers with
 * better candidates. Replacements are one for one, so the active set never shrinks: a bad
 * peer with no replacement stays (it may recover) and the minimum is kept.
 */
export function planRotation(input: RotationInput): RotationPlan {
  const queue = rankCandidates(input.candidates);
  const add: PeerId[] = [];
  const remove: PeerId[] = [];
  let size = input.active.length;
  while (size < input.maxActive && queue.length > 0) {
    add.push(queue.shift()!.id);
    size++;
  }
  let swapsLeft = input.swaps;
  for (const worst of rankReplaceable(input.active)) {
    const next = queue[0];
    if (!next) break;
    const deadWeight = !worst.usable || worst.stale;
    // A trusted candidate always gets a seat; otherwise a working peer is only replaced by
    // one that scores better (an untried peer is neutral, so it replaces peers below neutral).
    const better = next.trusted || next.score > worst.score;
    if (!deadWeight && (swapsLeft === 0 || !better)) break;
    if (!deadWeight) swapsLeft--;
    queue.shift();
    remove.push(worst.id);
    add.push(next.id);
  }
  return { add, remove };
}
