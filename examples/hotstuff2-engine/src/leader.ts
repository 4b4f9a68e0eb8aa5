import {
  indexOfValidator,
  type PublicKey,
  quorumThreshold,
  totalVotingPower,
  type ValidatorSet,
} from '@hotsync/core';
import type { ValidatorIndex } from './messages.js';
import type { NodeId } from './transport.js';

/** Round-robin leader election: view v is led by validator `v mod n` in canonical (public-key) order. */
export function leaderOf(view: number, set: ValidatorSet): ValidatorIndex {
  return view % set.validators.length;
}

/**
 * The validator set of live consensus with what the protocol asks of it: who leads a view,
 * where a validator is reached, and the two power thresholds (BigInt sums, DESIGN §2).
 */
export class Roster {
  readonly size: number;
  /** floor(2·total/3) + 1: a QC, or a leader's new-view quorum. */
  readonly quorum: bigint;
  /** total − quorum + 1: more than any faulty minority holds, so at least one honest validator is in. */
  readonly weakQuorum: bigint;
  private readonly nodeIds: readonly NodeId[];

  constructor(
    readonly set: ValidatorSet,
    nodeIdOf: (publicKey: PublicKey) => NodeId,
  ) {
    this.size = set.validators.length;
    this.quorum = quorumThreshold(set);
    this.weakQuorum = totalVotingPower(set) - this.quorum + 1n;
    this.nodeIds = set.validators.map((v) => nodeIdOf(v.publicKey));
  }

  get epoch(): number {
    return this.set.epoch;
  }

  leader(view: number): ValidatorIndex {
    return leaderOf(view, this.set);
  }

  /** Index of `publicKey` in the set, or -1. */
  indexOf(publicKey: PublicKey): number {
    return indexOfValidator(this.set, publicKey);
  }

  has(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.size;
  }

  publicKey(index: ValidatorIndex): PublicKey {
    return this.set.validators[index]!.publicKey;
  }

  nodeId(index: ValidatorIndex): NodeId {
    return this.nodeIds[index]!;
  }

  /** Summed voting power of these validators. */
  power(indices: Iterable<ValidatorIndex>): bigint {
    let sum = 0n;
    for (const i of indices) sum += this.set.validators[i]!.votingPower;
    return sum;
  }
}
