import type { Hash } from '../chain/types.js';
import type { Generation, StateBackend, StateWrite } from './backend.js';
import { bucketOf, compareKeyIds, entryEncodedLength, hashBucket, keyId, type StateEntry } from './bucket.js';
import { type BucketTree, TreeUpdate } from './tree.js';
import { encodeUndoRecord, type UndoEntry } from './undo.js';

/** What transaction execution needs of the state. */
export interface StateView {
  get(key: Uint8Array): Uint8Array | undefined;
  /** `undefined` deletes the key. */
  set(key: Uint8Array, value: Uint8Array | undefined): void;
}

interface Change {
  readonly bucket: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/**
 * Pending changes of one call (a range of blocks, or a rollback) over the persisted state.
 * Nothing reaches the backend or the in-memory tree until the caller commits `writes()`
 * and then applies `treeUpdate` — so a failure anywhere leaves no trace.
 *
 * A bucket is loaded whole the first time one of its keys is touched (one range scan):
 * its hash needs every entry anyway, and later reads of the bucket stay in memory.
 */
export class WorkingSet implements StateView {
  readonly treeUpdate: TreeUpdate;
  private readonly buckets = new Map<number, Map<string, StateEntry>>();
  private readonly bucketOfKey = new Map<string, number>();
  private readonly changes = new Map<string, Change>();
  /** Buckets changed since the last `root()`. */
  private readonly dirty = new Set<number>();
  private blockUndo: Map<string, UndoEntry> | undefined;
  private countDelta = 0;
  private bytesDelta = 0;

  constructor(
    private readonly backend: StateBackend,
    private readonly gen: Generation,
    private readonly depth: number,
    tree: BucketTree,
  ) {
    this.treeUpdate = new TreeUpdate(tree);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const id = keyId(key);
    return this.load(this.bucket(key, id)).get(id)?.value;
  }

  set(key: Uint8Array, value: Uint8Array | undefined): void {
    const id = keyId(key);
    const bucket = this.bucket(key, id);
    const entries = this.load(bucket);
    const previous = entries.get(id);
    if (this.blockUndo && !this.blockUndo.has(id)) this.blockUndo.set(id, { key, previous: previous?.value });
    if (previous) {
      this.countDelta -= 1;
      this.bytesDelta -= entryEncodedLength(previous.key, previous.value);
    }
    if (value) {
      entries.set(id, { key, value });
      this.countDelta += 1;
      this.bytesDelta += entryEncodedLength(key, value);
    } else {
      entries.delete(id);
    }
    this.changes.set(id, { bucket, key, value });
    this.dirty.add(bucket);
  }

  /** Starts recording the values a block overwrites (its undo record). */
  beginBlock(): void {
    this.blockUndo = new Map();
  }

  /** The encoded undo record of the block since `beginBlock`. */
  endBlock(): Uint8Array {
    const record = encodeUndoRecord([...(this.blockUndo?.values() ?? [])]);
    this.blockUndo = undefined;
    return record;
  }

  /** Root with every change so far: rehashes only the buckets dirtied since the last call, then their paths. */
  root(): Hash {
    for (const bucket of this.dirty) {
      const entries = this.buckets.get(bucket)!;
      const sorted = [...entries.keys()].sort(compareKeyIds).map((id) => entries.get(id)!);
      this.treeUpdate.setBucket(bucket, hashBucket(sorted));
    }
    this.dirty.clear();
    return this.treeUpdate.root();
  }

  /** Net change of the entry count and of the entries' encoded bytes. */
  get sizeDelta(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.countDelta, bytes: this.bytesDelta };
  }

  /** Entry and bucket-hash writes of everything changed (call `root()` first). */
  writes(): StateWrite[] {
    if (this.dirty.size > 0) this.root();
    const out: StateWrite[] = [];
    const gen = this.gen;
    for (const { bucket, key, value } of this.changes.values()) {
      out.push(
        value ? { kind: 'put-entry', gen, bucket, key, value } : { kind: 'delete-entry', gen, bucket, key },
      );
    }
    for (const [bucket, hash] of this.treeUpdate.changedBuckets()) {
      out.push({ kind: 'put-bucket-hash', gen, bucket, hash });
    }
    return out;
  }

  private bucket(key: Uint8Array, id: string): number {
    let b = this.bucketOfKey.get(id);
    if (b === undefined) {
      b = bucketOf(key, this.depth);
      this.bucketOfKey.set(id, b);
    }
    return b;
  }

  private load(bucket: number): Map<string, StateEntry> {
    let entries = this.buckets.get(bucket);
    if (!entries) {
      entries = new Map();
      for (const e of this.backend.bucketEntries(this.gen, bucket)) entries.set(keyId(e.key), e);
      this.buckets.set(bucket, entries);
    }
    return entries;
  }
}
