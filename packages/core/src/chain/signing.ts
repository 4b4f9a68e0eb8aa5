import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { ByteWriter } from '../encoding/bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { HASH_LENGTH, HashTag, taggedHash } from '../hashing.js';
import {
  CHAIN_ID_LENGTH,
  type PublicKey,
  type QuorumCertificate,
  type Signature,
  type ValidatorSet,
  type Vote,
} from './types.js';
import { bitmapLength, indexOfValidator, setBit } from './validator-set.js';

/*
 * Signing, for those who build chains: consensus engines, the chain generator, tests.
 * Verification lives in @hotsync/validation (two backends, worker pool).
 */

/** An Ed25519 key pair whose private half stays a node:crypto KeyObject. */
export interface SigningKey {
  readonly publicKey: PublicKey;
  readonly privateKey: KeyObject;
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_ED25519_PREFIX_LENGTH = 12;

/** The Ed25519 key whose RFC 8032 secret (seed) is these 32 bytes. */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new InvalidArgumentError('arg.length', 'an Ed25519 seed is 32 bytes');
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  const privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { publicKey: new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX_LENGTH)), privateKey };
}

/** Deterministic key number `index` derived from a master seed (tests, examples, generated chains). */
export function deriveSigningKey(masterSeed: Uint8Array | string, index: number): SigningKey {
  const master = typeof masterSeed === 'string' ? new TextEncoder().encode(masterSeed) : masterSeed;
  const idx = new ByteWriter(4).u32(index).finish();
  return signingKeyFromSeed(taggedHash('hs2/test-key/v1', master, idx));
}

export const VOTE_SIGN_BYTES_LENGTH = HashTag.vote.length + 1 + CHAIN_ID_LENGTH + 3 * 8 + HASH_LENGTH + 1;
const VOTE_TAG_PREFIX = new TextEncoder().encode(`${HashTag.vote}\0`);

/** `"hs2/vote/v1" ‖ 0x00 ‖ chainId ‖ epoch ‖ view ‖ height ‖ blockHash ‖ phase`: what a validator signs. */
export function voteSignBytes(chainId: Uint8Array, vote: Vote): Uint8Array {
  return new ByteWriter(VOTE_SIGN_BYTES_LENGTH)
    .raw(VOTE_TAG_PREFIX)
    .fixed(chainId, CHAIN_ID_LENGTH)
    .u64(vote.epoch)
    .u64(vote.view)
    .u64(vote.height)
    .fixed(vote.blockHash, HASH_LENGTH)
    .u8(vote.phase === 'prepare' ? 0 : 1)
    .finish();
}

export function signBytes(key: SigningKey, message: Uint8Array): Signature {
  const s = sign(null, message, key.privateKey);
  return new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
}

export function signVote(key: SigningKey, chainId: Uint8Array, vote: Vote): Signature {
  return signBytes(key, voteSignBytes(chainId, vote));
}

/** A validator's signature on a vote, as a consensus engine collects them. */
export interface VoteSignature {
  readonly publicKey: PublicKey;
  readonly signature: Signature;
}

/**
 * Assembles votes into a QC: bitmap in validator order, signatures in the same order.
 * Throws when a signer is not in the set or signs twice. Does not check signatures or
 * quorum: the verifier does.
 */
export function assembleQc(
  vote: Vote,
  set: ValidatorSet,
  votes: readonly VoteSignature[],
): QuorumCertificate {
  const n = set.validators.length;
  const byIndex = new Map<number, Signature>();
  for (const v of votes) {
    const index = indexOfValidator(set, v.publicKey);
    if (index < 0)
      throw new InvalidArgumentError('arg.unknown', 'vote from a key that is not in the validator set');
    if (byIndex.has(index)) throw new InvalidArgumentError('arg.duplicate', `validator ${index} voted twice`);
    byIndex.set(index, v.signature);
  }
  const signers = new Uint8Array(bitmapLength(n));
  const signatures: Signature[] = [];
  for (let i = 0; i < n; i++) {
    const s = byIndex.get(i);
    if (s) {
      setBit(signers, i);
      signatures.push(s);
    }
  }
  return { vote, validatorCount: n, signers, signatures };
}

/** Signs `vote` with each key and assembles the QC (convenience for engines and tests). */
export function signQc(
  vote: Vote,
  set: ValidatorSet,
  keys: readonly SigningKey[],
  chainId: Uint8Array,
): QuorumCertificate {
  const msg = voteSignBytes(chainId, vote);
  return assembleQc(
    vote,
    set,
    keys.map((k) => ({ publicKey: k.publicKey, signature: signBytes(k, msg) })),
  );
}
