import type { PeerId, Random } from '@hotsync/core';
import type { ScoreStanding } from './scoring.js';

/** Why a peer is left out of a selection; `eligible` when it is not. */
export type Eligibility =
  | 'eligible'
  | 'excluded'
  | 'disconnected'
  | 'banned'
  /** Honouring a rate-limited reply's retry-after. */
  | 'waiting'
  /** Score at or below the use threshold. */
  | 'resting'
  /** `maxRequestsPerPeer` requests in flight. */
  | 'busy'
  /** No commit proof at or above the range end (claims do not count). */
  | 'too-short'
  /** Pruned: does not serve the start of the range. */
  | 'pruned';

/** What eligibility depends on, gathered by the peer manager. */
export interface EligibilityInput {
  readonly excluded: boolean;
  readonly connected: boolean;
  readonly banned: boolean;
  readonly waiting: boolean;
  readonly standing: ScoreStanding;
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The height the peer can serve up to: its proven height, capped by its current claim. */
  readonly servableHeight: number | undefined;
  readonly earliestHeight: number | undefined;
}

export interface RangeRequirement {
  /** The range end: the peer must have proven at least this height. */
  readonly minHeight: number;
  /** The range start, when known: the peer must serve from here (not pruned above it). */
  readonly fromHeight?: number;
}

/** Cheapest checks first; the first failing one names the reason. */
export function eligibility(input: EligibilityInput, range: RangeRequirement): Eligibility {
  if (input.excluded) return 'excluded';
  if (!input.connected) return 'disconnected';
  if (input.banned) return 'banned';
  if (input.waiting) return 'waiting';
  if (input.standing !== 'usable') return 'resting';
  if (input.inFlight >= input.maxInFlight) return 'busy';
  if (input.servableHeight === undefined || input.servableHeight < range.minHeight) return 'too-short';
  if (
    range.fromHeight !== undefined &&
    input.earliestHeight !== undefined &&
    input.earliestHeight > range.fromHeight
  ) {
    return 'pruned';
  }
  return 'eligible';
}

/** What a peer's share of requests depends on. */
export interface WeightInput {
  readonly score: number;
  /** Bytes per second, undefined when never measured. */
  readonly throughput: number | undefined;
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly trusted: boolean;
}

export interface WeightParams {
  /** Throughput an unmeasured peer is assumed to have, and the unit others are measured in. */
  readonly referenceThroughput: number;
  /** |useThreshold|: the score at which the score factor reaches zero. */
  readonly scoreScale: number;
  readonly maxScore: number;
  readonly trustedWeight: number;
}

/**
 * A peer's relative share: proportional to throughput (a peer twice as fast gets about twice
 * the requests), scaled by score (neutral 1, falling toward 0 near the use threshold, up to
 * 1 + maxScore/scale for the best), by free capacity (a peer with half its slots taken gets
 * half the weight) and preferred when trusted. Equal inputs give equal weights.
 */
export function selectionWeight(input: WeightInput, params: WeightParams): number {
  const reference = params.referenceThroughput > 0 ? params.referenceThroughput : 1;
  const throughput = input.throughput !== undefined && input.throughput > 0 ? input.throughput : reference;
  const throughputFactor = throughput / reference;
  const scoreFactor = Math.max(
    0.05,
    Math.min(1 + params.maxScore / params.scoreScale, 1 + input.score / params.scoreScale),
  );
  const capacityFactor = Math.max(0, input.maxInFlight - input.inFlight) / input.maxInFlight;
  const trustFactor = input.trusted ? params.trustedWeight : 1;
  return throughputFactor * scoreFactor * capacityFactor * trustFactor;
}

/**
 * Median of the measured throughputs: new peers are assumed average, so they get tried
 * without displacing proven fast ones. 1 when nothing has been measured.
 */
export function referenceThroughput(measured: readonly number[]): number {
  const values = measured.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  if (values.length === 0) return 1;
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * Weighted sampling without replacement (Efraimidis–Spirakis: key = u^(1/w), highest keys
 * win). Each pick favours heavier items in proportion to weight, equal weights share
 * equally over many draws, and the injected Random keeps it reproducible. Returns ids in
 * draw order, which is the order to prefer them in.
 */
export function weightedSample(
  items: readonly { readonly id: PeerId; readonly weight: number }[],
  count: number,
  random: Random,
): PeerId[] {
  if (count <= 0) return [];
  const keyed: { id: PeerId; key: number }[] = [];
  for (const item of items) {
    if (!(item.weight > 0) || !Number.isFinite(item.weight)) continue;
    const u = random.float();
    // log(u)/w orders like u^(1/w) without underflow; u = 0 sorts last.
    keyed.push({ id: item.id, key: u > 0 ? Math.log(u) / item.weight : Number.NEGATIVE_INFINITY });
  }
  keyed.sort((a, b) => b.key - a.key);
  return keyed.slice(0, count).map((k) => k.id);
}
