import type { Block } from '@hotsync/core';

/** What a validator persisted about its own votes: enough never to vote twice in a view. */
export interface SafetyData {
  /** Highest view this validator has voted in (0 before any vote). */
  readonly lastVotedView: number;
  /** Highest view of a QC this validator locked on (HotStuff-2's locked QC), when it tracks one. */
  readonly lockedView?: number;
}

/**
 * The consensus engine as the adapter drives it (DESIGN §7). Implement it in your engine,
 * or wrap your engine in an object that does.
 */
export interface ConsensusEngine {
  /** Stop proposing and voting (sync is about to run). Resolves once participation stopped. */
  pause(reason: string): Promise<void> | void;
  /** Participate again; `fromHeight` is the first height consensus continues from. */
  resume(fromHeight: number): Promise<void> | void;
  /** Height of the engine's last committed block. */
  committedHeight(): number;
  /** Blocks the sync brought, committed and verified, in order, parents first, continuing from `committedHeight() + 1`. */
  deliverCommitted(blocks: readonly Block[]): Promise<void> | void;
  /** The engine's persisted safety data (a resumed validator must never vote at or below `lastVotedView`). */
  safetyData(): SafetyData;
}
