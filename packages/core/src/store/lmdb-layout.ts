import type { Hash } from '../chain/types.js';
import { ByteWriter } from '../encoding/bytes.js';
import { HotsyncError, StoreError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type { StoredBlock } from '../interfaces/chain-store.js';
import { checkChunkAddress } from './validation.js';

/*
 * How the LMDB chain store lays out its environment: one named database per table, binary
 * keys and values. Heights and epochs are 8-byte big-endian keys, so LMDB's byte order is
 * numeric order and sequential writes can use MDB_APPEND.
 *
 *   blocks           u64be(height)              -> hash(32) ‖ encoded block
 *   block-hashes     hash(32)                   -> u64be(height)
 *   commit-proofs    u64be(height)              -> encodeCommitProof
 *   validator-sets   u64be(epoch)               -> encodeValidatorSet
 *   meta             "format" | "tip" | "base" | "checkpoint"
 *   peer-bans        utf8(peer)                 -> encodePeerBan
 *   snapshots        stateRoot(32)              -> encodeStoredSnapshot
 *   snapshot-chunks  stateRoot(32) ‖ u32be(index) -> chunk bytes
 *
 * A block's value starts with its hash because the store is format-agnostic: it cannot
 * recompute a hash for iteration or rollback without knowing the chain's block format.
 */

export const TABLES = {
  blocks: 'blocks',
  blockHashes: 'block-hashes',
  commitProofs: 'commit-proofs',
  validatorSets: 'validator-sets',
  meta: 'meta',
  peerBans: 'peer-bans',
  snapshots: 'snapshots',
  snapshotChunks: 'snapshot-chunks',
} as const;

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

export const META_KEYS = {
  format: ascii('format'),
  tip: ascii('tip'),
  base: ascii('base'),
  checkpoint: ascii('checkpoint'),
} as const;

/** Version of this layout, written at initialization; a store with another version is refused. */
export const LAYOUT_VERSION = 1;

export function encodeLayoutVersion(): Uint8Array {
  return new ByteWriter(2).u16(LAYOUT_VERSION).finish();
}

export function encodeBlockValue(block: StoredBlock): Uint8Array {
  const value = new Uint8Array(HASH_LENGTH + block.bytes.length);
  value.set(block.hash, 0);
  value.set(block.bytes, HASH_LENGTH);
  return value;
}

/** The hash and encoding in a block value, as views into it. */
export function decodeBlockValue(height: number, value: Uint8Array): StoredBlock {
  if (value.length < HASH_LENGTH) {
    throw new StoreError(
      'store.corrupt',
      `stored block ${height} is ${value.length} bytes, shorter than its hash`,
      {
        height,
      },
    );
  }
  return { height, hash: value.subarray(0, HASH_LENGTH), bytes: value.subarray(HASH_LENGTH) };
}

export const CHUNK_KEY_LENGTH = HASH_LENGTH + 4;

/** `stateRoot ‖ u32be(index)`: one snapshot's chunks sort together, in index order. */
export function chunkKey(stateRoot: Hash, index: number): Uint8Array {
  checkChunkAddress(stateRoot, index);
  return new ByteWriter(CHUNK_KEY_LENGTH).fixed(stateRoot, HASH_LENGTH).u32(index).finish();
}

/** A view of a Buffer that lmdb-js handed out (and will not reuse) as a plain Uint8Array. */
export function asBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Decodes a record read from the store; a defect there is corruption, not bad input. */
export function decodeStored<T>(what: string, bytes: Uint8Array, decode: (bytes: Uint8Array) => T): T {
  try {
    return decode(bytes);
  } catch (error) {
    throw new StoreError(
      'store.corrupt',
      `stored ${what} does not decode: ${error instanceof Error ? error.message : String(error)}`,
      { what },
      { cause: error },
    );
  }
}

/** Our own typed errors pass through; anything LMDB throws becomes `store.io`. */
export function asStoreError(error: unknown, what: string): Error {
  if (error instanceof HotsyncError) return error;
  return new StoreError(
    'store.io',
    `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
    { what },
    { cause: error },
  );
}
