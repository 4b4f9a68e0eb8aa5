import type { Hash } from '../chain/types.js';
import { InvalidArgumentError } from '../errors.js';
import { HASH_LENGTH, sha256, taggedHash, ZERO_HASH } from '../hashing.js';

/** Domain tags of the state tree: a bucket can never pass for an inner node, nor either for any other hash. */
export const StateHashTag = {
  bucket: 'hs2/state/bucket/v1',
  node: 'hs2/state/node/v1',
} as const;

export const MIN_TREE_DEPTH = 4;
/** 2^24 buckets keep ~1 GiB of node hashes in memory: the practical ceiling. */
export const MAX_TREE_DEPTH = 24;
/** 2^16 buckets: ~4 MiB of node hashes, ~1.5 keys per bucket at 100k keys. */
export const DEFAULT_TREE_DEPTH = 16;

/** One key-value pair of the state. */
export interface StateEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export function assertTreeDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < MIN_TREE_DEPTH || depth > MAX_TREE_DEPTH) {
    throw new InvalidArgumentError(
      'arg.out-of-range',
      `state tree depth must be an integer in ${MIN_TREE_DEPTH}..${MAX_TREE_DEPTH}, got ${depth}`,
    );
  }
}

/**
 * The bucket of a key: the top `depth` bits of SHA-256(key). Hashing spreads keys evenly
 * whatever their shape (sequential ids, shared prefixes), so buckets stay about equal.
 */
export function bucketOf(key: Uint8Array, depth: number): number {
  const h = sha256(key);
  const top = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  return top >>> (32 - depth);
}

/** Bytes an entry takes in a bucket hash and in a snapshot chunk: u32 keyLen ‖ key ‖ u32 valueLen ‖ value. */
export function entryEncodedLength(key: Uint8Array, value: Uint8Array): number {
  return 8 + key.length + value.length;
}

/** Writes one entry at `offset` of `out`; returns the offset after it. */
export function writeEntry(out: Uint8Array, view: DataView, offset: number, entry: StateEntry): number {
  let o = offset;
  view.setUint32(o, entry.key.length);
  out.set(entry.key, o + 4);
  o += 4 + entry.key.length;
  view.setUint32(o, entry.value.length);
  out.set(entry.value, o + 4);
  return o + 4 + entry.value.length;
}

/**
 * Hash of a bucket whose entries are given in ascending key order:
 * `H('hs2/state/bucket/v1', entry…)`; an empty bucket is ZERO_HASH so empty subtrees cost nothing.
 */
export function hashBucket(entries: readonly StateEntry[]): Hash {
  if (entries.length === 0) return ZERO_HASH;
  let size = 0;
  for (const e of entries) size += entryEncodedLength(e.key, e.value);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  let o = 0;
  for (const e of entries) o = writeEntry(buf, view, o, e);
  return taggedHash(StateHashTag.bucket, buf);
}

/** Inner node: `H('hs2/state/node/v1', left ‖ right)`, except that two empty children make an empty node. */
export function hashNode(left: Uint8Array, right: Uint8Array): Hash {
  if (isZeroHash(left) && isZeroHash(right)) return ZERO_HASH;
  return taggedHash(StateHashTag.node, left, right);
}

/** Whether a 32-byte hash is all zeros (an empty bucket or subtree). */
export function isZeroHash(h: Uint8Array): boolean {
  for (let i = 0; i < HASH_LENGTH; i++) if (h[i] !== 0) return false;
  return true;
}

/**
 * A key as a string usable in a Map: one char per byte (latin1), so comparing two of
 * them with `<` orders them exactly as their bytes (shorter prefix first).
 */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export function compareKeyIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A fresh plain Uint8Array with the same bytes. Not `.slice()`: on a Node Buffer (what LMDB
 * and sockets hand out) `slice` returns a view that shares, and keeps alive, the original.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
