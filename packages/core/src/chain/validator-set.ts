import { compareBytes } from '../encoding/bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { PUBLIC_KEY_LENGTH, type Validator, type ValidatorSet } from './types.js';

/** Builds a validator set in canonical order (by public key); rejects duplicates and zero power. */
export function makeValidatorSet(epoch: number, validators: readonly Validator[]): ValidatorSet {
  if (validators.length === 0)
    throw new InvalidArgumentError('arg.empty', 'a validator set needs at least one validator');
  const sorted = [...validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v.publicKey.length !== PUBLIC_KEY_LENGTH) {
      throw new InvalidArgumentError('arg.length', `validator public key must be ${PUBLIC_KEY_LENGTH} bytes`);
    }
    if (v.votingPower <= 0n)
      throw new InvalidArgumentError('arg.out-of-range', 'voting power must be positive');
    if (i > 0 && compareBytes(sorted[i - 1]!.publicKey, v.publicKey) === 0) {
      throw new InvalidArgumentError('arg.duplicate', 'duplicate validator public key');
    }
  }
  return { epoch, validators: sorted };
}

export function totalVotingPower(set: ValidatorSet): bigint {
  let total = 0n;
  for (const v of set.validators) total += v.votingPower;
  return total;
}

/** Smallest voting power that forms a quorum: floor(2·total/3) + 1. */
export function quorumThreshold(set: ValidatorSet): bigint {
  return (2n * totalVotingPower(set)) / 3n + 1n;
}

export function bitmapLength(validatorCount: number): number {
  return (validatorCount + 7) >> 3;
}

export function isBitSet(bitmap: Uint8Array, index: number): boolean {
  return ((bitmap[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

export function setBit(bitmap: Uint8Array, index: number): void {
  bitmap[index >> 3] = (bitmap[index >> 3] ?? 0) | (1 << (index & 7));
}

export function popcount(bitmap: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < bitmap.length; i++) {
    let b = bitmap[i]!;
    while (b) {
      b &= b - 1;
      count++;
    }
  }
  return count;
}

/** Indices of set bits, ascending. */
export function signerIndices(bitmap: Uint8Array, validatorCount: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < validatorCount; i++) if (isBitSet(bitmap, i)) out.push(i);
  return out;
}

/** Sum of the voting power of the validators whose bits are set. */
export function signedVotingPower(set: ValidatorSet, bitmap: Uint8Array): bigint {
  let power = 0n;
  const n = set.validators.length;
  for (let i = 0; i < n; i++) if (isBitSet(bitmap, i)) power += set.validators[i]!.votingPower;
  return power;
}

export function indexOfValidator(set: ValidatorSet, publicKey: Uint8Array): number {
  // Canonical order allows a binary search.
  let lo = 0;
  let hi = set.validators.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareBytes(set.validators[mid]!.publicKey, publicKey);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** True when the validators whose bits are set hold at least the quorum threshold of voting power. */
export function hasQuorum(set: ValidatorSet, bitmap: Uint8Array): boolean {
  return signedVotingPower(set, bitmap) >= quorumThreshold(set);
}
