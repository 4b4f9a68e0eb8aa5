import { type Database, open, type RootDatabase } from 'lmdb';
import { isZero, readU64be, u64be } from '../encoding/bytes.js';
import { StoreError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type { Generation, StateBackend, StateWrite, StoredEntry } from './backend.js';
import type { StateEntry } from './bucket.js';
import type { BucketHash } from './tree.js';

export interface LmdbBackendOptions {
  /** Directory of the LMDB environment (created when missing). */
  readonly path: string;
  /** Skip fsync on commit: faster, but a crash may lose or corrupt recent writes. Tests and benchmarks only. */
  readonly noSync?: boolean;
}

type BinaryDb = Database<Uint8Array, Uint8Array>;

/** Keys removed per transaction when a whole generation is dropped. */
const CLEAR_BATCH = 20_000;
const PREFIX_BYTES = 5;

/**
 * LMDB backend: one environment, four named databases with binary keys and values.
 * - `entries`: gen(u8) ‖ bucket(u32 BE) ‖ key → value, so a bucket, a bucket range or a
 *   whole generation is one range scan;
 * - `buckets`: gen(u8) ‖ bucket(u32 BE) → bucket hash (non-empty buckets only);
 * - `undo`: height(u64 BE) → undo record;
 * - `meta`: small records (state meta, import progress).
 * `commit` runs in a child transaction, which LMDB aborts when the callback throws: a plain
 * lmdb-js `transaction` would commit the writes made before the throw.
 */
export class LmdbStateBackend implements StateBackend {
  private readonly env: RootDatabase;
  private readonly entries: BinaryDb;
  private readonly buckets: BinaryDb;
  private readonly undo: BinaryDb;
  private readonly meta: BinaryDb;

  constructor(options: LmdbBackendOptions) {
    try {
      this.env = open({ path: options.path, noSync: options.noSync ?? false, maxDbs: 8 });
      const db = (name: string): BinaryDb =>
        this.env.openDB({ name, keyEncoding: 'binary', encoding: 'binary' });
      this.entries = db('state-entries');
      this.buckets = db('state-buckets');
      this.undo = db('state-undo');
      this.meta = db('state-meta');
    } catch (err) {
      throw ioError(`cannot open the state database at ${options.path}`, err);
    }
  }

  getEntry(gen: Generation, bucket: number, key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(entryKey(gen, bucket, key));
  }

  *bucketEntries(gen: Generation, bucket: number): Iterable<StateEntry> {
    for (const { key, value } of this.entries.getRange({
      start: bucketKey(gen, bucket),
      end: bucketKey(gen, bucket + 1),
    })) {
      yield { key: key.subarray(PREFIX_BYTES), value };
    }
  }

  *rangeEntries(gen: Generation, first: number, last: number): Iterable<StoredEntry> {
    for (const { key, value } of this.entries.getRange({
      start: bucketKey(gen, first),
      end: bucketKey(gen, last + 1),
    })) {
      yield { bucket: readBucket(key), key: key.subarray(PREFIX_BYTES), value };
    }
  }

  *bucketHashes(gen: Generation): Iterable<BucketHash> {
    for (const { key, value } of this.buckets.getRange({ start: genKey(gen), end: genKey(gen + 1) })) {
      if (value.length !== HASH_LENGTH)
        throw new StoreError('store.corrupt', 'state bucket hash is not 32 bytes');
      yield { bucket: readBucket(key), hash: value };
    }
  }

  hasData(gen: Generation): boolean {
    const range = { start: genKey(gen), end: genKey(gen + 1), limit: 1 };
    return this.entries.getKeysCount(range) > 0 || this.buckets.getKeysCount(range) > 0;
  }

  getUndo(height: number): Uint8Array | undefined {
    return this.undo.get(u64be(height));
  }

  undoHeights(from: number, to: number): number[] {
    const out: number[] = [];
    for (const key of this.undo.getKeys({ start: u64be(from), end: u64be(to + 1) })) {
      out.push(readU64be(key));
    }
    return out;
  }

  getMeta(key: Uint8Array): Uint8Array | undefined {
    return this.meta.get(key);
  }

  *metaWithPrefix(prefix: Uint8Array): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    for (const { key, value } of this.meta.getRange({ start: prefix })) {
      if (!startsWith(key, prefix)) return;
      yield { key, value };
    }
  }

  async commit(writes: readonly StateWrite[]): Promise<void> {
    try {
      await this.env.childTransaction(() => {
        for (const w of writes) this.apply(w);
      });
    } catch (err) {
      throw ioError('state commit failed (nothing of it was written)', err);
    }
  }

  async clearGeneration(gen: Generation): Promise<void> {
    for (const db of [this.entries, this.buckets]) {
      for (;;) {
        const keys = [...db.getKeys({ start: genKey(gen), end: genKey(gen + 1), limit: CLEAR_BATCH })];
        if (keys.length === 0) break;
        try {
          await this.env.childTransaction(() => {
            for (const k of keys) db.removeSync(k);
          });
        } catch (err) {
          throw ioError('clearing a state generation failed', err);
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private apply(w: StateWrite): void {
    switch (w.kind) {
      case 'put-entry':
        this.entries.putSync(entryKey(w.gen, w.bucket, w.key), w.value);
        return;
      case 'delete-entry':
        this.entries.removeSync(entryKey(w.gen, w.bucket, w.key));
        return;
      case 'put-bucket-hash':
        if (isZero(w.hash)) this.buckets.removeSync(bucketKey(w.gen, w.bucket));
        else this.buckets.putSync(bucketKey(w.gen, w.bucket), w.hash);
        return;
      case 'put-undo':
        this.undo.putSync(u64be(w.height), w.record);
        return;
      case 'delete-undo':
        this.undo.removeSync(u64be(w.height));
        return;
      case 'delete-all-undo':
        // Collected first: removing under a live cursor is not safe.
        for (const k of [...this.undo.getKeys()]) this.undo.removeSync(k);
        return;
      case 'put-meta':
        this.meta.putSync(w.key, w.value);
        return;
      case 'delete-meta':
        this.meta.removeSync(w.key);
        return;
      case 'delete-meta-prefix':
        for (const { key } of [...this.metaWithPrefix(w.prefix)]) this.meta.removeSync(key);
        return;
    }
  }
}

function genKey(gen: number): Uint8Array {
  return Uint8Array.of(gen);
}

function bucketKey(gen: number, bucket: number): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES);
  out[0] = gen;
  new DataView(out.buffer).setUint32(1, bucket);
  return out;
}

function entryKey(gen: number, bucket: number, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES + key.length);
  out[0] = gen;
  new DataView(out.buffer).setUint32(1, bucket);
  out.set(key, PREFIX_BYTES);
  return out;
}

function readBucket(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(1);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function ioError(message: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new StoreError('store.io', `${message}${detail}`, undefined, { cause });
}
