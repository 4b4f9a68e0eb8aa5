import {
  hasQuorum,
  type PublicKey,
  type QuorumCertificate,
  qcHash,
  type Signature,
  signedVotingPower,
  toHex,
  type ValidatorSet,
  type Vote,
  voteSignBytes,
} from '@hotsync/core';
import { checkQcShape, type SignatureBackend } from '@hotsync/validation';
import { newViewSignBytes, proposalSignBytes } from './messages.js';

export type QcVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Verified QC hashes remembered (a high QC arrives again with every new-view and proposal). */
const VERIFIED_QC_CACHE = 1024;

/**
 * Every signature check of the protocol, through one of @hotsync/validation's Ed25519
 * backends (same rule as the sync verifier, so consensus and sync never disagree on a QC).
 * QCs are checked like the verifier's stage 3: shape, quorum by voting power, then each
 * signature over core's vote sign-bytes against the set of the QC's epoch.
 */
export class SignatureChecker {
  private readonly verifiedQcs = new Set<string>();

  constructor(
    private readonly chainId: Uint8Array,
    private readonly backend: SignatureBackend,
    private readonly setOf: (epoch: number) => ValidatorSet | undefined,
  ) {}

  /** A QC against the set of its epoch (`extraSets` first: sets learned in a range not stored yet). */
  qc(qc: QuorumCertificate, extraSets?: ReadonlyMap<number, ValidatorSet>): QcVerdict {
    const key = toHex(qcHash(qc));
    if (this.verifiedQcs.has(key)) return { ok: true };
    if (qc.vote.phase !== 'prepare') return { ok: false, reason: 'not a prepare QC' };
    const set = extraSets?.get(qc.vote.epoch) ?? this.setOf(qc.vote.epoch);
    if (!set) return { ok: false, reason: `no validator set known for epoch ${qc.vote.epoch}` };
    const shape = checkQcShape(qc, set);
    if (shape) return { ok: false, reason: shape };
    if (!hasQuorum(set, qc.signers)) {
      return {
        ok: false,
        reason: `signers hold ${signedVotingPower(set, qc.signers)} voting power, no quorum`,
      };
    }
    const message = voteSignBytes(this.chainId, qc.vote);
    let j = 0;
    for (let i = 0; i < set.validators.length; i++) {
      if ((qc.signers[i >> 3]! & (1 << (i & 7))) === 0) continue;
      if (!this.backend.verify(set.validators[i]!.publicKey, message, qc.signatures[j++]!)) {
        return { ok: false, reason: `signature of validator ${i} does not verify` };
      }
    }
    this.remember(key);
    return { ok: true };
  }

  /** A QC this node assembled from votes it verified one by one: no need to check it again. */
  assembled(qc: QuorumCertificate): void {
    this.remember(toHex(qcHash(qc)));
  }

  private remember(key: string): void {
    if (this.verifiedQcs.size >= VERIFIED_QC_CACHE) {
      this.verifiedQcs.delete(this.verifiedQcs.values().next().value!);
    }
    this.verifiedQcs.add(key);
  }

  vote(vote: Vote, voter: PublicKey, signature: Signature): boolean {
    return this.backend.verify(voter, voteSignBytes(this.chainId, vote), signature);
  }

  proposal(blockHash: Uint8Array, proposer: PublicKey, signature: Signature): boolean {
    return this.backend.verify(proposer, proposalSignBytes(this.chainId, blockHash), signature);
  }

  newView(epoch: number, view: number, sender: PublicKey, signature: Signature): boolean {
    return this.backend.verify(sender, newViewSignBytes(this.chainId, epoch, view), signature);
  }
}
