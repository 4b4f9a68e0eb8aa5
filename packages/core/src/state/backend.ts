import type { StateEntry } from './bucket.js';
import type { BucketHash } from './tree.js';

/**
 * Two copies of the state can live side by side: the live one and the one a snapshot import
 * fills. `finish()` flips which is live in one write, so a failed import never touches the
 * live state.
 */
export type Generation = 0 | 1;

export function otherGeneration(gen: Generation): Generation {
  return gen === 0 ? 1 : 0;
}

/** An entry with its bucket, as range scans return them. */
export interface StoredEntry extends StateEntry {
  readonly bucket: number;
}

/** One change in an atomic {@link StateBackend.commit}. */
export type StateWrite =
  | {
      readonly kind: 'put-entry';
      readonly gen: Generation;
      readonly bucket: number;
      readonly key: Uint8Array;
      readonly value: Uint8Array;
    }
  | {
      readonly kind: 'delete-entry';
      readonly gen: Generation;
      readonly bucket: number;
      readonly key: Uint8Array;
    }
  /** A zero hash deletes the record: empty buckets are not stored. */
  | {
      readonly kind: 'put-bucket-hash';
      readonly gen: Generation;
      readonly bucket: number;
      readonly hash: Uint8Array;
    }
  | { readonly kind: 'put-undo'; readonly height: number; readonly record: Uint8Array }
  | { readonly kind: 'delete-undo'; readonly height: number }
  | { readonly kind: 'delete-all-undo' }
  | { readonly kind: 'put-meta'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete-meta'; readonly key: Uint8Array }
  /** Deletes every meta record whose key starts with `prefix`. */
  | { readonly kind: 'delete-meta-prefix'; readonly prefix: Uint8Array };

/**
 * What the state machine needs of storage. Reads are synchronous (LMDB reads are, and the
 * simulator needs a fully synchronous backend); writes go through `commit`, which applies a
 * list of writes atomically: all or nothing, also across a crash.
 *
 * Returned byte arrays are read-only to the caller: a backend may hand out its own copies.
 */
export interface StateBackend {
  getEntry(gen: Generation, bucket: number, key: Uint8Array): Uint8Array | undefined;
  /** The entries of one bucket in ascending key order. */
  bucketEntries(gen: Generation, bucket: number): Iterable<StateEntry>;
  /** The entries of buckets `first..last` in (bucket, key) order. */
  rangeEntries(gen: Generation, first: number, last: number): Iterable<StoredEntry>;
  /** Hashes of every non-empty bucket of a generation. */
  bucketHashes(gen: Generation): Iterable<BucketHash>;
  /** Whether a generation holds any entry or bucket hash. */
  hasData(gen: Generation): boolean;
  getUndo(height: number): Uint8Array | undefined;
  /** Heights with an undo record in `from..to`, ascending. */
  undoHeights(from: number, to: number): number[];
  getMeta(key: Uint8Array): Uint8Array | undefined;
  /** Meta records whose key starts with `prefix`, in key order. */
  metaWithPrefix(prefix: Uint8Array): Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  /** Applies the writes in order, atomically. */
  commit(writes: readonly StateWrite[]): Promise<void>;
  /**
   * Deletes a whole generation, possibly in several transactions (not atomic): only ever
   * called on a generation nothing refers to any more.
   */
  clearGeneration(gen: Generation): Promise<void>;
  close(): Promise<void>;
}
