import {
  type BlockHeader,
  bytesEqual,
  type CommitProof,
  type Hash,
  headerHash,
  isZero,
  type PeerId,
  type QuorumCertificate,
  qcHash,
  type ValidatorSet,
  type Verification,
  type VotePhase,
  validatorSetHash,
} from '@hotsync/core';
import { type FailureSite, fail, ok, short } from './result.js';
import type { QcTask } from './stages/signatures.js';

/** The validator set of an epoch, when the caller knows it (never from a peer's word). */
export type SetLookup = (epoch: number) => ValidatorSet | undefined;

export interface CommitProofShape {
  /** Hash of the committed header, recomputed. */
  readonly committedHash: Hash;
  /** The proof's QCs, for stage 3. */
  readonly tasks: readonly QcTask[];
}

/**
 * Checks that `qc` is a vote of `phase` for exactly `header` (hash, height, view, epoch).
 * A vote for other fields is `qc.vote`; another epoch (another set's QC) is `qc.epoch`.
 */
export function checkVoteFor<T>(
  qc: QuorumCertificate,
  header: BlockHeader,
  hash: Hash,
  phase: VotePhase,
  role: string,
  site: FailureSite,
): Verification<T> | undefined {
  const v = qc.vote;
  if (!bytesEqual(v.blockHash, hash)) {
    return fail('qc.vote', `${role} certifies block ${short(v.blockHash)}…, not ${short(hash)}…`, site);
  }
  if (v.height !== header.height || v.view !== header.view) {
    return fail(
      'qc.vote',
      `${role} votes for height ${v.height} view ${v.view}, the block has height ${header.height} view ${header.view}`,
      site,
    );
  }
  if (v.epoch !== header.epoch) {
    return fail(
      'qc.epoch',
      `${role} is a vote of epoch ${v.epoch} for a block of epoch ${header.epoch}`,
      site,
    );
  }
  if (v.phase !== phase) return fail('commit.proof', `${role} is a ${v.phase} vote, expected ${phase}`, site);
  return undefined;
}

/**
 * Stage 2 for a commit proof (DESIGN §2): everything but signatures. Two-chain:
 * `child.parentHash == hash(header)`, `child.justifyHash == qcHash(qc)`, `child.height ==
 * header.height + 1`, `child.view == header.view + 1` (`commit.views`), both votes for their
 * blocks. Double certificate: a prepare and a commit QC for the same block and view. Returns
 * the QCs stage 3 must verify, each with the set of its epoch.
 */
export function checkCommitProofShape(
  proof: CommitProof,
  chainId: Uint8Array,
  setOf: SetLookup,
  peer: PeerId | undefined,
): Verification<CommitProofShape> {
  const header = proof.header;
  // Every failure names the committed header's height: this is "the proof for height h".
  const site = { height: header.height, peer };
  if (!bytesEqual(header.chainId, chainId))
    return fail('structure.chain-id', 'commit proof of another chain', site);
  const committedHash = headerHash(header);
  const headerSet = setOf(header.epoch);
  if (!headerSet) return fail('qc.epoch', `no trusted validator set for epoch ${header.epoch}`, site);
  const bad = checkVoteFor<CommitProofShape>(
    proof.qc,
    header,
    committedHash,
    'prepare',
    'commit proof qc',
    site,
  );
  if (bad) return bad;

  switch (proof.kind) {
    case 'two-chain': {
      const child = proof.child;
      if (!bytesEqual(child.chainId, chainId))
        return fail('structure.chain-id', 'commit proof child of another chain', site);
      if (!bytesEqual(child.parentHash, committedHash)) {
        return fail('commit.proof', `the child does not extend block ${short(committedHash)}…`, site);
      }
      if (child.height !== header.height + 1) {
        return fail(
          'commit.proof',
          `the child has height ${child.height}, expected ${header.height + 1}`,
          site,
        );
      }
      if (!bytesEqual(child.justifyHash, qcHash(proof.qc))) {
        return fail('commit.proof', 'the child does not carry the proof QC as its justify', site);
      }
      if (child.view !== header.view + 1) {
        return fail(
          'commit.views',
          `two-chain views ${header.view} and ${child.view} are not consecutive`,
          site,
        );
      }
      const endsEpoch = !isZero(header.nextValidatorSetHash);
      const childEpoch = endsEpoch ? header.epoch + 1 : header.epoch;
      if (child.epoch !== childEpoch) {
        return fail('epoch.boundary', `the child is in epoch ${child.epoch}, expected ${childEpoch}`, site);
      }
      const childHash = headerHash(child);
      const badChild = checkVoteFor<CommitProofShape>(
        proof.childQc,
        child,
        childHash,
        'prepare',
        'commit proof childQc',
        site,
      );
      if (badChild) return badChild;
      const childSet = endsEpoch ? setOf(childEpoch) : headerSet;
      // The next epoch's set counts only if it is the one the epoch-ending header committed to.
      if (!childSet || (endsEpoch && !bytesEqual(validatorSetHash(childSet), header.nextValidatorSetHash))) {
        return fail(
          'qc.epoch',
          `no trusted validator set for epoch ${childEpoch} (use a double certificate)`,
          site,
        );
      }
      return ok({
        committedHash,
        tasks: [
          { qc: proof.qc, set: headerSet, height: header.height, peer, role: 'commit proof qc' },
          { qc: proof.childQc, set: childSet, height: header.height, peer, role: 'commit proof childQc' },
        ],
      });
    }
    case 'double-cert': {
      const badCommit = checkVoteFor<CommitProofShape>(
        proof.commitQc,
        header,
        committedHash,
        'commit',
        'commit proof commitQc',
        site,
      );
      if (badCommit) return badCommit;
      return ok({
        committedHash,
        tasks: [
          { qc: proof.qc, set: headerSet, height: header.height, peer, role: 'commit proof qc' },
          { qc: proof.commitQc, set: headerSet, height: header.height, peer, role: 'commit proof commitQc' },
        ],
      });
    }
  }
}
