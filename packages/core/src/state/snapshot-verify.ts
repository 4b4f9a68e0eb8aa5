import type { SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { bytesEqual, compareBytes, toHex } from '../encoding/bytes.js';
import { SnapshotError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import { bucketOf, entryEncodedLength, hashBucket, type StateEntry } from './bucket.js';
import { chunkBucketRange, decodeStateChunkData, stateSnapshotFormat } from './chunk-codec.js';
import { type BucketHash, foldRange, rangeProofLength } from './tree.js';

/** An entry with the bucket its key hashes to. */
export interface BucketedEntry extends StateEntry {
  readonly bucket: number;
}

/** A chunk that verified against the manifest's root, ready to be written. */
export interface VerifiedChunk {
  readonly index: number;
  readonly firstBucket: number;
  readonly lastBucket: number;
  /** In (bucket, key) order; views into the chunk bytes. */
  readonly entries: readonly BucketedEntry[];
  /** Hashes of the range's non-empty buckets. */
  readonly bucketHashes: readonly BucketHash[];
  /** Sum of the entries' encoded lengths (the state's size accounting). */
  readonly entryBytes: number;
}

/** Checks a manifest's format and chunk count against a tree of `depth`; throws SnapshotError. */
export function checkManifest(depth: number, manifest: SnapshotManifest): void {
  const format = stateSnapshotFormat(depth);
  if (manifest.format !== format) {
    throw new SnapshotError(
      'snapshot.format',
      `snapshot format ${manifest.format} is not this state's format ${format} (tree v1, depth ${depth})`,
    );
  }
  const count = manifest.chunkCount;
  if (!Number.isSafeInteger(count) || count < 1 || count > 2 ** depth) {
    throw new SnapshotError('snapshot.chunk-index', `chunk count ${count} is outside 1..2^${depth}`);
  }
}

/**
 * Verifies one chunk against the manifest's root without trusting anything in it: format
 * and depth, root, index and the bucket range it implies, entry sizes, every key inside
 * the range and strictly ascending in (bucket, key) order, and the range proof folding the
 * recomputed bucket hashes to the root. Throws SnapshotError naming the failed check.
 */
export function verifyStateChunk(
  depth: number,
  manifest: SnapshotManifest,
  chunk: SnapshotChunk,
): VerifiedChunk {
  checkManifest(depth, manifest);
  if (!bytesEqual(chunk.stateRoot, manifest.stateRoot)) {
    throw new SnapshotError(
      'snapshot.wrong-root',
      `chunk of root ${toHex(chunk.stateRoot).slice(0, 16)}… does not belong to snapshot ${toHex(manifest.stateRoot).slice(0, 16)}…`,
    );
  }
  const { index } = chunk;
  if (!Number.isSafeInteger(index) || index < 0 || index >= manifest.chunkCount) {
    throw new SnapshotError(
      'snapshot.chunk-index',
      `chunk index ${index} is outside 0..${manifest.chunkCount - 1}`,
    );
  }
  const data = decodeStateChunkData(chunk.data);
  if (data.depth !== depth) {
    throw new SnapshotError(
      'snapshot.format',
      `chunk of a depth-${data.depth} tree, expected depth ${depth}`,
    );
  }
  const { first, last } = chunkBucketRange(index, manifest.chunkCount, depth);
  if (data.firstBucket !== first || data.lastBucket !== last) {
    throw new SnapshotError(
      'snapshot.chunk-index',
      `chunk ${index} of ${manifest.chunkCount} covers buckets ${first}..${last}, not ${data.firstBucket}..${data.lastBucket}`,
    );
  }
  const proofHashes = rangeProofLength(depth, first, last);
  if (data.proof.length !== proofHashes * HASH_LENGTH) {
    throw new SnapshotError(
      'snapshot.malformed-chunk',
      `range proof has ${data.proof.length / HASH_LENGTH} hashes, buckets ${first}..${last} need ${proofHashes}`,
    );
  }

  const leaves = new Uint8Array((last - first + 1) * HASH_LENGTH);
  const entries: BucketedEntry[] = new Array(data.entries.length);
  const bucketHashes: BucketHash[] = [];
  let entryBytes = 0;
  let group: StateEntry[] = [];
  let groupBucket = -1;
  const closeGroup = (): void => {
    if (group.length === 0) return;
    const hash = hashBucket(group);
    leaves.set(hash, (groupBucket - first) * HASH_LENGTH);
    bucketHashes.push({ bucket: groupBucket, hash });
    group = [];
  };
  let previous: BucketedEntry | undefined;
  for (let i = 0; i < data.entries.length; i++) {
    const { key, value } = data.entries[i]!;
    const bucket = bucketOf(key, depth);
    if (bucket < first || bucket > last) {
      throw new SnapshotError(
        'snapshot.key-order',
        `entry ${i}: key ${toHex(key).slice(0, 32)} hashes to bucket ${bucket}, outside the chunk's ${first}..${last}`,
      );
    }
    if (
      previous !== undefined &&
      (bucket < previous.bucket || (bucket === previous.bucket && compareBytes(key, previous.key) <= 0))
    ) {
      throw new SnapshotError(
        'snapshot.key-order',
        `entry ${i}: keys do not ascend strictly in (bucket, key) order`,
      );
    }
    if (bucket !== groupBucket) {
      closeGroup();
      groupBucket = bucket;
    }
    const entry = { bucket, key, value };
    group.push(entry);
    entries[i] = entry;
    entryBytes += entryEncodedLength(key, value);
    previous = entry;
  }
  closeGroup();

  const root = foldRange(depth, first, last, leaves, data.proof);
  if (!bytesEqual(root, manifest.stateRoot)) {
    throw new SnapshotError(
      'snapshot.bad-proof',
      `chunk ${index}: its entries and range proof fold to ${toHex(root).slice(0, 16)}…, not the snapshot root`,
    );
  }
  return { index, firstBucket: first, lastBucket: last, entries, bucketHashes, entryBytes };
}
