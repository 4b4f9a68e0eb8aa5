import type { Hash, SnapshotChunk } from '../chain/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExportedSnapshot } from '../interfaces/state-machine.js';
import type { StoredEntry } from './backend.js';
import { copyBytes, type StateEntry } from './bucket.js';
import {
  chunkBucketRange,
  chunkDataLength,
  encodeStateChunkData,
  stateSnapshotFormat,
} from './chunk-codec.js';
import { rangeProofLength } from './tree.js';

/** What an export reads from the state machine, captured when the export begins. */
export interface SnapshotSource {
  readonly depth: number;
  readonly height: number;
  readonly stateRoot: Hash;
  /** Sum of the entries' encoded lengths: sizes the chunks without reading them. */
  readonly entryBytes: number;
  /** Throws when the state changed (or closed) since the export began: its chunks would no longer fold to `stateRoot`. */
  check(): void;
  entries(first: number, last: number): Iterable<StoredEntry>;
  proof(first: number, last: number): Uint8Array;
}

/**
 * The number of chunks for about `chunkBytes` each: keys hash uniformly over buckets, so
 * equal bucket ranges hold about equal bytes. At least one chunk (an empty state still
 * needs one to carry its root), at most one per bucket.
 */
export function planChunkCount(depth: number, entryBytes: number, chunkBytes: number): number {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) {
    throw new InvalidArgumentError(
      'arg.out-of-range',
      `chunkBytes must be a positive integer, got ${chunkBytes}`,
    );
  }
  return Math.min(2 ** depth, Math.max(1, Math.ceil(entryBytes / chunkBytes)));
}

/**
 * A snapshot of the state at one height. Chunks are produced lazily, in index order, from
 * the live state: iterate them before changing the state (a later change makes the
 * iteration throw rather than yield chunks of a mixed state).
 */
export class StateSnapshotExport implements ExportedSnapshot {
  readonly height: number;
  readonly stateRoot: Hash;
  readonly format: number;
  readonly chunkCount: number;
  readonly totalBytes: number;

  constructor(
    private readonly source: SnapshotSource,
    chunkBytes: number,
  ) {
    this.height = source.height;
    this.stateRoot = source.stateRoot;
    this.format = stateSnapshotFormat(source.depth);
    this.chunkCount = planChunkCount(source.depth, source.entryBytes, chunkBytes);
    let proofHashes = 0;
    for (let i = 0; i < this.chunkCount; i++) {
      const { first, last } = chunkBucketRange(i, this.chunkCount, source.depth);
      proofHashes += rangeProofLength(source.depth, first, last);
    }
    // Every entry is in exactly one chunk, so the total is known without encoding any.
    this.totalBytes =
      chunkDataLength(source.entryBytes, proofHashes) + (this.chunkCount - 1) * chunkDataLength(0, 0);
  }

  async *chunks(): AsyncIterable<SnapshotChunk> {
    for (let index = 0; index < this.chunkCount; index++) yield this.chunk(index);
  }

  /** Chunk `index`, built from the current state (throws when it changed since the export). */
  chunk(index: number): SnapshotChunk {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.chunkCount) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `chunk index ${index} is outside 0..${this.chunkCount - 1}`,
      );
    }
    this.source.check();
    const { depth } = this.source;
    const { first, last } = chunkBucketRange(index, this.chunkCount, depth);
    const entries: StateEntry[] = [];
    for (const { key, value } of this.source.entries(first, last)) entries.push({ key, value });
    const data = encodeStateChunkData({
      depth,
      firstBucket: first,
      lastBucket: last,
      entries,
      proof: this.source.proof(first, last),
    });
    return { stateRoot: copyBytes(this.stateRoot), index, data };
  }
}
