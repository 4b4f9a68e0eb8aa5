import {
  bytesEqual,
  headerHash,
  type PeerId,
  RequestError,
  SafetyViolationError,
  type SyncContext,
  type TrustedPoint,
  type Verification,
} from '@hotsync/core';
import { committedHeight } from './trusted-point.js';

/** What a peer's chain that does not extend our committed tip turned out to be. */
export type CommittedConflict =
  /** The peer's proof at our committed height names our block (or it has none): its range was simply bad. */
  | { readonly kind: 'peer-fault' }
  /** The peer's proof did not verify: blamed. */
  | { readonly kind: 'peer-invalid'; readonly check: string };

/**
 * A peer sent blocks that do not extend our committed tip. Either it lies, or the network
 * committed another block at a height we hold as committed: a safety violation (two
 * commits at one height need a Byzantine quorum), which no sync can repair. Asks the peer
 * to prove its block at our committed height; a verified proof for another block than
 * ours throws SafetyViolationError with both proofs as evidence (`checkCommitConflict`).
 * `verified` is a committed point above the stored tip (a range verified with its commit
 * proof, not stored yet: the pipeline runs ahead of storage); the peer is then asked about it.
 */
export async function checkCommittedConflict(
  ctx: SyncContext,
  peer: PeerId,
  signal: AbortSignal,
  verified?: TrustedPoint,
): Promise<CommittedConflict> {
  const stored = committedHeight(ctx.store);
  const height = verified && verified.height > stored ? verified.height : stored;
  const ours = ctx.store.commitProof(height);
  const ourHash = ours ? headerHash(ours.header) : height === verified?.height ? verified.hash : undefined;
  // The base or anchor has no proof to conflict with: it is trusted by configuration.
  if (!ourHash) return { kind: 'peer-fault' };
  let theirs: Awaited<ReturnType<typeof ctx.network.commitProof>>;
  try {
    theirs = await ctx.network.commitProof(peer, height, signal);
  } catch (err) {
    if (err instanceof RequestError) return { kind: 'peer-fault' };
    throw err;
  }
  if (theirs.header.height !== height) return { kind: 'peer-invalid', check: 'commit.target' };
  if (bytesEqual(headerHash(theirs.header), ourHash)) return { kind: 'peer-fault' };
  const epoch = theirs.header.epoch;
  const set = ctx.validatorSet(epoch);
  if (!set) return { kind: 'peer-fault' };
  const result = await ctx.verifier.verifyCommitProof(theirs, set, peer, ctx.validatorSet(epoch + 1));
  // The verifier remembers the commit of every range it verified: a conflict with ours is caught here.
  throwOnViolation(result);
  if (!result.ok) return { kind: 'peer-invalid', check: result.failure.check };
  // Not stored yet and no longer remembered by the verifier: no proof of ours to hold against theirs.
  if (!ours) return { kind: 'peer-fault' };
  // Their proof is genuine; ours is stored (verified when it was written): together, evidence.
  // Ours was delivered by nobody here (it is our own), so no peer is passed with it.
  throwOnViolation(ctx.verifier.checkCommitConflict(ours));
  throw new SafetyViolationError(`two commit proofs for different blocks at height ${height}`, {
    kind: 'conflicting-commit',
    first: ours,
    second: theirs,
    secondPeer: peer,
  });
}

/** A verification that found a safety violation stops everything. */
export function throwOnViolation<T>(result: Verification<T>): void {
  if (!result.ok && result.failure.evidence) {
    throw new SafetyViolationError(result.failure.message, result.failure.evidence);
  }
}
