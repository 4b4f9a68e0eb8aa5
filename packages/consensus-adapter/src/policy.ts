/**
 * The coordinator's decisions as pure functions of heights, so every boundary is testable
 * without a network (DESIGN §7).
 */

export type AdapterMode = 'participating' | 'syncing';

export interface HysteresisPolicy {
  /** Participating: more than this many blocks behind the network pauses and syncs. */
  readonly maxBehindBlocks: number;
  /** Syncing: resume only once at most this many behind (≤ maxBehindBlocks, so a node hovering near the threshold does not flap). */
  readonly resumeBehindBlocks: number;
  /** More than this many blocks *ahead* of the network is a possible fork or partition. */
  readonly aheadAlarmBlocks: number;
}

export type ModeDecision =
  | { readonly action: 'stay' }
  | { readonly action: 'pause-and-sync'; readonly behind: number }
  | { readonly action: 'continue-sync'; readonly behind: number }
  | { readonly action: 'resume'; readonly behind: number }
  | { readonly action: 'alarm-ahead'; readonly ahead: number };

/** What to do, given the mode and how far the local committed height is from the network's. */
export function decideMode(
  mode: AdapterMode,
  localHeight: number,
  networkHeight: number,
  policy: HysteresisPolicy,
): ModeDecision {
  const behind = networkHeight - localHeight;
  if (-behind > policy.aheadAlarmBlocks) return { action: 'alarm-ahead', ahead: -behind };
  switch (mode) {
    case 'participating':
      return behind > policy.maxBehindBlocks ? { action: 'pause-and-sync', behind } : { action: 'stay' };
    case 'syncing':
      return behind <= policy.resumeBehindBlocks
        ? { action: 'resume', behind }
        : { action: 'continue-sync', behind };
  }
}

export interface ProductionPolicy {
  /** Share of the target height reached (default 0.995). */
  readonly threshold: number;
  /** ...and at most this many blocks behind (default 10). */
  readonly maxBehindBlocks: number;
}

/**
 * May this node produce blocks? Yes when synced; otherwise only within the production
 * threshold: at least `threshold` of the target reached AND at most `maxBehindBlocks` behind
 * (both must hold: the share alone would allow huge gaps on long chains).
 */
export function canProduce(
  localHeight: number,
  targetHeight: number | undefined,
  synced: boolean,
  policy: ProductionPolicy,
): boolean {
  if (synced) return true;
  if (targetHeight === undefined || targetHeight <= 0) return false;
  if (localHeight >= targetHeight) return true;
  // A relative tolerance keeps 995/1000 ≥ 0.995 true despite binary floating point.
  const share = localHeight / targetHeight;
  return share >= policy.threshold * (1 - 1e-12) && targetHeight - localHeight <= policy.maxBehindBlocks;
}
