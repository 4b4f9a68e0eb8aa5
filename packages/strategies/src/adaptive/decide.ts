import type { SyncContext, SyncTarget } from '@hotsync/core';
import { assertNever } from '../util/assert-never.js';

export type StrategyChoice = 'fast' | 'parallel' | 'incremental';

/** What `adaptive` looks at. */
export interface SyncConditions {
  /** Blocks between the stored tip and the target. */
  readonly behind: number;
  /** The state machine is at the store's tip, so blocks can be executed on it. */
  readonly stateUsable: boolean;
  /** Some usable peer advertises a snapshot above the tip (and the snapshot path was not found empty already). */
  readonly snapshotOffered: boolean;
  /** Usable peers that proved a height above the tip: who can serve ranges. */
  readonly servingPeers: number;
}

export interface DecisionRules {
  /** Blocks behind from which a snapshot is preferred (`strategy.fastSyncThreshold`). */
  readonly fastSyncThreshold: number;
  /** Blocks behind from which ranges go to many peers at once (`strategy.parallelThreshold`). */
  readonly parallelThreshold: number;
  /** Serving peers needed for parallel to be worth it (default 2). */
  readonly minParallelPeers: number;
}

export interface Decision {
  readonly choice: StrategyChoice;
  readonly reason: string;
}

/**
 * The choice of DESIGN §5 `adaptive`, from the conditions alone: a state that cannot
 * replay blocks needs a snapshot; far behind with a snapshot on offer, a snapshot; behind
 * by more than the parallel threshold with peers to spread over, parallel ranges; else
 * block by block near the tip.
 */
export function decide(c: SyncConditions, rules: DecisionRules): Decision {
  if (!c.stateUsable)
    return {
      choice: 'fast',
      reason: 'the local state is not at the stored tip: only a snapshot can bring it',
    };
  if (c.behind >= rules.fastSyncThreshold && c.snapshotOffered) {
    return {
      choice: 'fast',
      reason: `${c.behind} blocks behind (>= ${rules.fastSyncThreshold}) and a snapshot is offered`,
    };
  }
  if (c.behind >= rules.parallelThreshold && c.servingPeers >= rules.minParallelPeers) {
    return {
      choice: 'parallel',
      reason: `${c.behind} blocks behind (>= ${rules.parallelThreshold}), ${c.servingPeers} peers serve them`,
    };
  }
  return {
    choice: 'incremental',
    reason:
      c.behind < rules.parallelThreshold
        ? `${c.behind} blocks behind (< ${rules.parallelThreshold}): following the tip`
        : `only ${c.servingPeers} peer(s) serve the blocks`,
  };
}

/** The conditions now, read from the context. */
export function readConditions(
  ctx: SyncContext,
  target: SyncTarget,
  snapshotsExhausted: boolean,
): SyncConditions {
  const tip = ctx.trusted().height;
  const connected = new Set(ctx.network.connectedPeers());
  const usable = ctx.peers.peers().filter((p) => !p.banned && connected.has(p.peer));
  return {
    behind: Math.max(0, target.height - tip),
    stateUsable: ctx.stateMachine.height() === tip,
    snapshotOffered:
      !snapshotsExhausted &&
      usable.some(
        (p) => (p.status?.snapshotHeight ?? 0) > tip && (p.status?.snapshotHeight ?? 0) <= target.height,
      ),
    servingPeers: usable.filter((p) => p.provenHeight > tip).length,
  };
}

/** The phase a choice runs in first (for plans). */
export function firstPhaseOf(choice: StrategyChoice, behind: number, parallelThreshold: number) {
  switch (choice) {
    case 'fast':
      return 'downloading-snapshot' as const;
    case 'parallel':
      return 'downloading-blocks' as const;
    case 'incremental':
      return behind <= parallelThreshold ? ('catching-up' as const) : ('downloading-blocks' as const);
    default:
      return assertNever(choice);
  }
}
