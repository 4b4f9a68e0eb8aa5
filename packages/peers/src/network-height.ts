import type { NetworkHeightEstimate, PeerId } from '@hotsync/core';

/** One peer's contribution: what it claims, and what it proved with a verified commit proof. */
export interface HeightSample {
  readonly peer: PeerId;
  readonly claimed: number | undefined;
  readonly proven: number | undefined;
}

/** The estimate, with where it came from. Extends core's NetworkHeightEstimate. */
export interface NetworkHeightReport extends NetworkHeightEstimate {
  /**
   * True when `height` is the highest proven height. False when it fell back on claims
   * (only with `allowUnproven`, and only when too few proofs exist): treat it as a hint.
   */
  readonly proven: boolean;
  /**
   * The highest proven height. A commit proof cannot be forged under the BFT assumption, so
   * this is a safe lower bound on the chain's height, even from one peer.
   */
  readonly maxProvenHeight: number | undefined;
  /** Median of all claims, proven or not (for display; never a sync target by itself). */
  readonly claimedMedian: number | undefined;
  /** Peers with a claim. */
  readonly claimants: number;
}

export interface EstimateOptions {
  /** Proven peers needed for a proven estimate. */
  readonly minProvenPeers: number;
  /** With too few proofs, fall back on the median of claims (flagged `proven: false`). */
  readonly allowUnproven?: boolean;
}

/**
 * The lower median: for an even count, the smaller of the middle two. It moves only when
 * more than half the values move, so a minority (liars, a stale partition) can neither
 * raise nor lower it, and on a tie it stays conservative.
 */
export function lowerMedian(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

/**
 * The network height from peers' statuses (DESIGN §6): the highest proven height, once at
 * least `minProvenPeers` peers proved one. A claim without a proof changes nothing. A proof
 * is a quorum certificate, which Byzantine peers cannot forge under the BFT assumption, so
 * the highest proven height is a height the chain really reached, even when one honest
 * peer proves it among many that serve an older prefix (a median of proven heights would
 * let a majority of stale or Sybil peers hold a node below the honest tip).
 */
export function estimateNetworkHeight(
  samples: Iterable<HeightSample>,
  options: EstimateOptions,
): NetworkHeightReport {
  const proven: number[] = [];
  const claimed: number[] = [];
  for (const s of samples) {
    if (s.proven !== undefined) proven.push(s.proven);
    if (s.claimed !== undefined) claimed.push(s.claimed);
  }
  const maxProvenHeight = proven.length === 0 ? undefined : Math.max(...proven);
  const claimedMedian = lowerMedian(claimed);
  const common = { maxProvenHeight, claimedMedian, claimants: claimed.length };
  if (proven.length >= options.minProvenPeers) {
    return { height: maxProvenHeight, basis: proven.length, proven: true, ...common };
  }
  if (options.allowUnproven && claimed.length > 0) {
    return { height: claimedMedian, basis: claimed.length, proven: false, ...common };
  }
  return { height: undefined, basis: proven.length, proven: true, ...common };
}

/** Where our height stands against the network's. */
export type NetworkPosition =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'behind'; readonly blocks: number }
  | { readonly kind: 'in-sync'; readonly blocks: number }
  | {
      /**
       * Ahead of the network by more than the tolerance: either they are behind (lagging
       * peers) or we are on a fork or in a partition. Worth an operator's look either way.
       */
      readonly kind: 'ahead';
      readonly blocks: number;
      readonly suspicion: 'fork-or-partition';
    };

export interface NetworkAssessment {
  readonly ourHeight: number;
  readonly estimate: NetworkHeightReport;
  readonly position: NetworkPosition;
}

/** `blocks` is always the absolute distance. */
export function assessPosition(
  ourHeight: number,
  networkHeight: number | undefined,
  toleranceBlocks: number,
): NetworkPosition {
  if (networkHeight === undefined) return { kind: 'unknown' };
  const diff = ourHeight - networkHeight;
  if (diff > toleranceBlocks) return { kind: 'ahead', blocks: diff, suspicion: 'fork-or-partition' };
  if (diff >= -toleranceBlocks) return { kind: 'in-sync', blocks: Math.abs(diff) };
  return { kind: 'behind', blocks: -diff };
}
