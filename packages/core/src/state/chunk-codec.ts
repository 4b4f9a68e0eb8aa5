import { SnapshotError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import { entryEncodedLength, type StateEntry, writeEntry } from './bucket.js';
import { MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES } from './tx-codec.js';

/** Version of the tree and chunk layout; the snapshot format number carries it with the depth. */
export const STATE_TREE_VERSION = 1;

/** Snapshot format of a state tree of `depth`: `version << 8 | depth` (a u16 on the wire). */
export function stateSnapshotFormat(depth: number): number {
  return (STATE_TREE_VERSION << 8) | depth;
}

/** u8 depth ‖ u32 first bucket ‖ u32 last bucket ‖ u32 entry count. */
export const CHUNK_HEADER_BYTES = 13;

/** The decoded `data` of one snapshot chunk. */
export interface StateChunkData {
  readonly depth: number;
  readonly firstBucket: number;
  readonly lastBucket: number;
  /** In (bucket, key) order. Views into the chunk bytes. */
  readonly entries: readonly StateEntry[];
  /** Sibling hashes folding the bucket range to the root, 32 bytes each (see `BucketTree.rangeProof`). */
  readonly proof: Uint8Array;
}

/**
 * The bucket range of chunk `index` of `count`: the 2^depth buckets split into `count`
 * contiguous ranges of equal size (±1). Deriving the range from the index (instead of
 * cutting at byte offsets) binds every index to one range, so a peer cannot relabel a
 * genuine chunk to make an honest one look like an overlap. Keys hash uniformly over
 * buckets, so equal bucket counts mean about equal byte sizes.
 */
export function chunkBucketRange(
  index: number,
  count: number,
  depth: number,
): { first: number; last: number } {
  const buckets = 2 ** depth;
  return {
    first: Math.floor((index * buckets) / count),
    last: Math.floor(((index + 1) * buckets) / count) - 1,
  };
}

/** Encoded size of a chunk with these entries' total `entryBytes` and `proofHashes` siblings. */
export function chunkDataLength(entryBytes: number, proofHashes: number): number {
  return CHUNK_HEADER_BYTES + entryBytes + proofHashes * HASH_LENGTH;
}

export function encodeStateChunkData(chunk: StateChunkData): Uint8Array {
  let entryBytes = 0;
  for (const e of chunk.entries) entryBytes += entryEncodedLength(e.key, e.value);
  const out = new Uint8Array(CHUNK_HEADER_BYTES + entryBytes + chunk.proof.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, chunk.depth);
  view.setUint32(1, chunk.firstBucket);
  view.setUint32(5, chunk.lastBucket);
  view.setUint32(9, chunk.entries.length);
  let o = CHUNK_HEADER_BYTES;
  for (const e of chunk.entries) o = writeEntry(out, view, o, e);
  out.set(chunk.proof, o);
  return out;
}

/**
 * Structural decode: header, entries within the state's size limits, and a proof of whole
 * hashes. Ranges, order and the proof itself are checked by `verifyStateChunk`.
 * Throws SnapshotError `snapshot.malformed-chunk`.
 */
export function decodeStateChunkData(data: Uint8Array): StateChunkData {
  if (data.length < CHUNK_HEADER_BYTES) malformed(`${data.length} bytes is shorter than the chunk header`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const depth = view.getUint8(0);
  const firstBucket = view.getUint32(1);
  const lastBucket = view.getUint32(5);
  const count = view.getUint32(9);
  // Every entry takes at least 9 bytes: refuse a count the bytes cannot hold before allocating.
  if (count > (data.length - CHUNK_HEADER_BYTES) / 9)
    malformed(`entry count ${count} exceeds the chunk size`);
  const entries: StateEntry[] = new Array(count);
  let o = CHUNK_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (o + 4 > data.length) malformed(`truncated entry ${i}`);
    const keyLen = view.getUint32(o);
    if (keyLen === 0 || keyLen > MAX_STATE_KEY_BYTES) malformed(`entry ${i}: key length ${keyLen}`);
    o += 4;
    if (o + keyLen + 4 > data.length) malformed(`truncated entry ${i}`);
    const key = data.subarray(o, o + keyLen);
    o += keyLen;
    const valueLen = view.getUint32(o);
    if (valueLen > MAX_STATE_VALUE_BYTES) malformed(`entry ${i}: value length ${valueLen}`);
    o += 4;
    if (o + valueLen > data.length) malformed(`truncated entry ${i}`);
    entries[i] = { key, value: data.subarray(o, o + valueLen) };
    o += valueLen;
  }
  const proof = data.subarray(o);
  if (proof.length % HASH_LENGTH !== 0) malformed(`proof of ${proof.length} bytes is not whole hashes`);
  return { depth, firstBucket, lastBucket, entries, proof };
}

function malformed(message: string): never {
  throw new SnapshotError('snapshot.malformed-chunk', `malformed state chunk: ${message}`);
}
