import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { deriveSigningKey, type SigningKey, signingKeyFromSeed, signQc, voteSignBytes } from './signing.js';
import type { Vote } from './types.js';
import {
  hasQuorum,
  makeValidatorSet,
  popcount,
  quorumThreshold,
  signedVotingPower,
  signerIndices,
  totalVotingPower,
} from './validator-set.js';

const chainId = new Uint8Array(32).fill(0xc1);

function verifyRaw(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // SPKI DER for Ed25519: a 12-byte prefix and the raw key.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  return verify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature);
}

function makeKeys(n: number): SigningKey[] {
  return Array.from({ length: n }, (_, i) => deriveSigningKey('signing-test', i));
}

/** Picks validators (by canonical index) whose power sums exactly to `target`, largest first. */
function subsetWithPower(powers: readonly bigint[], target: bigint): number[] {
  const order = powers.map((p, i) => ({ p, i })).sort((a, b) => (a.p > b.p ? -1 : a.p < b.p ? 1 : 0));
  const chosen: number[] = [];
  let sum = 0n;
  for (const { p, i } of order) {
    if (sum + p <= target) {
      chosen.push(i);
      sum += p;
    }
  }
  if (sum !== target) throw new Error(`no subset with power ${target}`);
  return chosen;
}

describe('keys', () => {
  it('derives the RFC 8032 TEST 1 public key from its secret', () => {
    const key = signingKeyFromSeed(
      Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
    );
    expect(Buffer.from(key.publicKey).toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
  });

  it('derives the same key from the same seed and index, different ones otherwise', () => {
    expect(deriveSigningKey('a', 1).publicKey).toEqual(deriveSigningKey('a', 1).publicKey);
    expect(deriveSigningKey('a', 1).publicKey).not.toEqual(deriveSigningKey('a', 2).publicKey);
    expect(deriveSigningKey('a', 1).publicKey).not.toEqual(deriveSigningKey('b', 1).publicKey);
  });
});

describe('vote sign-bytes', () => {
  it('is the tagged layout of DESIGN §2', () => {
    const vote: Vote = {
      epoch: 2,
      view: 9,
      height: 7,
      blockHash: new Uint8Array(32).fill(0xab),
      phase: 'commit',
    };
    const bytes = voteSignBytes(chainId, vote);
    const expected = Buffer.concat([
      Buffer.from('hs2/vote/v1\0', 'ascii'),
      chainId,
      Buffer.from('0000000000000002', 'hex'),
      Buffer.from('0000000000000009', 'hex'),
      Buffer.from('0000000000000007', 'hex'),
      vote.blockHash,
      Buffer.from([1]),
    ]);
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
  });
});

describe.each([
  { n: 4, powers: [1n, 2n, 3n, 4n] },
  { n: 100, powers: Array.from({ length: 100 }, (_, i) => BigInt(1 + ((i * 37) % 100))) },
])('QC over $n validators with unequal power', ({ n, powers }) => {
  const keys = makeKeys(n);
  const set = makeValidatorSet(
    3,
    keys.map((k, i) => ({ publicKey: k.publicKey, votingPower: powers[i]! })),
  );
  const canonicalPowers = set.validators.map((v) => v.votingPower);
  const keyOf = (index: number) =>
    keys.find((k) => Buffer.from(k.publicKey).equals(set.validators[index]!.publicKey))!;
  const vote: Vote = {
    epoch: 3,
    view: 41,
    height: 40,
    blockHash: new Uint8Array(32).fill(7),
    phase: 'prepare',
  };
  const threshold = quorumThreshold(set);

  it('computes quorum as floor(2·total/3)+1', () => {
    const total = powers.reduce((a, b) => a + b, 0n);
    expect(totalVotingPower(set)).toBe(total);
    expect(threshold).toBe((2n * total) / 3n + 1n);
  });

  it('assembles a bitmap in validator order with one valid signature per bit', () => {
    const indices = subsetWithPower(canonicalPowers, threshold);
    // Sign in a scrambled order: the QC must still come out in validator order.
    const signers = [...indices].reverse().map(keyOf);
    const qc = signQc(vote, set, signers, chainId);
    expect(qc.validatorCount).toBe(n);
    expect(popcount(qc.signers)).toBe(indices.length);
    expect(signerIndices(qc.signers, n)).toEqual([...indices].sort((a, b) => a - b));
    const msg = voteSignBytes(chainId, vote);
    signerIndices(qc.signers, n).forEach((index, j) => {
      expect(verifyRaw(set.validators[index]!.publicKey, msg, qc.signatures[j]!)).toBe(true);
    });
  });

  it('reaches quorum at exactly the threshold and not one unit below', () => {
    const exact = signQc(vote, set, subsetWithPower(canonicalPowers, threshold).map(keyOf), chainId);
    expect(signedVotingPower(set, exact.signers)).toBe(threshold);
    expect(hasQuorum(set, exact.signers)).toBe(true);

    const below = signQc(vote, set, subsetWithPower(canonicalPowers, threshold - 1n).map(keyOf), chainId);
    expect(signedVotingPower(set, below.signers)).toBe(threshold - 1n);
    expect(hasQuorum(set, below.signers)).toBe(false);
  });

  it('refuses votes from keys outside the set and double votes', () => {
    const outsider = deriveSigningKey('outsider', 0);
    expect(() => signQc(vote, set, [outsider], chainId)).toThrow(InvalidArgumentError);
    expect(() => signQc(vote, set, [keyOf(0), keyOf(0)], chainId)).toThrow(InvalidArgumentError);
  });
});

describe('validator sets', () => {
  it('are kept in canonical order whatever the input order', () => {
    const keys = makeKeys(6);
    const a = makeValidatorSet(
      0,
      keys.map((k) => ({ publicKey: k.publicKey, votingPower: 1n })),
    );
    const b = makeValidatorSet(
      0,
      [...keys].reverse().map((k) => ({ publicKey: k.publicKey, votingPower: 1n })),
    );
    expect(a).toEqual(b);
  });

  it('reject duplicates, empty sets and zero power', () => {
    const k = makeKeys(1)[0]!;
    expect(() => makeValidatorSet(0, [])).toThrow(InvalidArgumentError);
    expect(() => makeValidatorSet(0, [{ publicKey: k.publicKey, votingPower: 0n }])).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      makeValidatorSet(0, [
        { publicKey: k.publicKey, votingPower: 1n },
        { publicKey: k.publicKey, votingPower: 2n },
      ]),
    ).toThrow(InvalidArgumentError);
  });
});
