import type { SafetyData, VoteGuard } from '@hotsync/consensus-adapter';
import { bytesEqual, type Hash, type QuorumCertificate } from '@hotsync/core';

/** The QC a replica is locked on: its view, and its block when the replica knows it. */
export interface Lock {
  readonly view: number;
  /** Unknown right after a restart: only the view was persisted. */
  readonly blockHash: Hash | undefined;
}

export type VoteVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'already-voted' | 'conflicts-with-lock' };

/**
 * HotStuff-2's safety rules for one replica.
 *
 * Lock: the highest QC the replica has seen. Vote in view v only (1) above the last voted view
 * (persisted by the adapter's VoteGuard before the vote leaves, so a restart cannot vote twice
 * in a view) and (2) for a proposal that extends the locked block, or whose justify QC is newer
 * than the lock. Why that is safe with the two-chain commit rule: if B is committed by QC(B) in
 * view w and QC(B') in view w+1 (B' the child of B), a quorum voted for B' after seeing QC(B), so
 * more than a third of the honest power is locked on B or later; any later QC needs one of
 * them, and they only vote for blocks extending B.
 *
 * The lock's view is persisted with every vote (the adapter's `lockedView`): a restarted
 * replica that lost the lock's block still refuses justifies older than the lock.
 */
export class SafetyRules {
  private lock: Lock;

  constructor(private readonly guard: VoteGuard) {
    this.lock = { view: guard.safetyData().lockedView ?? 0, blockHash: undefined };
  }

  locked(): Lock {
    return this.lock;
  }

  safetyData(): SafetyData {
    return this.guard.safetyData();
  }

  /** Lowest view this replica may still vote in. */
  firstVotableView(): number {
    return this.guard.safetyData().lastVotedView + 1;
  }

  /** A verified QC: the lock moves up to it (and learns its block when the view matches a view-only lock). */
  observeQc(qc: QuorumCertificate): void {
    const { view, blockHash } = qc.vote;
    if (view > this.lock.view || (view === this.lock.view && this.lock.blockHash === undefined)) {
      this.lock = { view, blockHash };
    }
  }

  /**
   * May this replica vote in `view` for a proposal carrying `justify`? `extendsLocked` says
   * whether the proposal's parent is the locked block or a descendant of it.
   */
  check(view: number, justify: QuorumCertificate, extendsLocked: boolean): VoteVerdict {
    if (!this.guard.mayVote(view)) return { ok: false, reason: 'already-voted' };
    const lock = this.lock;
    if (justify.vote.view > lock.view) return { ok: true };
    if (extendsLocked) return { ok: true };
    // A view-only lock (after a restart): a QC of that very view certifies the locked block,
    // since two QCs for one view cannot exist with fewer than a third of the power faulty.
    if (lock.blockHash === undefined && justify.vote.view === lock.view) return { ok: true };
    return { ok: false, reason: 'conflicts-with-lock' };
  }

  /** True when `hash` is the locked block (the caller checks descendants in its block tree). */
  isLockedBlock(hash: Hash): boolean {
    return this.lock.blockHash !== undefined && bytesEqual(this.lock.blockHash, hash);
  }

  /**
   * Persists the vote in `view` together with the lock (write-ahead): resolves before the vote
   * may be sent; rejects with `adapter.vote-refused` when `view` is not above the last vote.
   */
  recordVote(view: number): Promise<void> {
    return this.guard.recordVote(view, this.lock.view);
  }
}
