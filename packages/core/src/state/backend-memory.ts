import { isZero } from '../encoding/bytes.js';
import type { Generation, StateBackend, StateWrite, StoredEntry } from './backend.js';
import { compareKeyIds, copyBytes, keyId, type StateEntry } from './bucket.js';
import type { BucketHash } from './tree.js';

type Bucket = Map<string, StateEntry>;

/**
 * In-memory backend: plain maps, fully synchronous and deterministic (the simulator runs
 * many nodes in one process on virtual time). `commit` applies its writes before it
 * returns; the returned promise is already settled.
 */
export class MemoryStateBackend implements StateBackend {
  private readonly entries: [Map<number, Bucket>, Map<number, Bucket>] = [new Map(), new Map()];
  private readonly hashes: [Map<number, Uint8Array>, Map<number, Uint8Array>] = [new Map(), new Map()];
  private readonly undo = new Map<number, Uint8Array>();
  private readonly meta = new Map<string, { key: Uint8Array; value: Uint8Array }>();

  getEntry(gen: Generation, bucket: number, key: Uint8Array): Uint8Array | undefined {
    return this.entries[gen].get(bucket)?.get(keyId(key))?.value;
  }

  bucketEntries(gen: Generation, bucket: number): StateEntry[] {
    const b = this.entries[gen].get(bucket);
    if (!b) return [];
    return [...b.keys()].sort(compareKeyIds).map((id) => b.get(id)!);
  }

  *rangeEntries(gen: Generation, first: number, last: number): Iterable<StoredEntry> {
    const buckets = this.entries[gen];
    // Walk whichever is smaller: the bucket range or the non-empty buckets.
    const indices =
      last - first + 1 <= buckets.size
        ? rangeOf(first, last).filter((b) => buckets.has(b))
        : [...buckets.keys()].filter((b) => b >= first && b <= last).sort((a, b) => a - b);
    for (const bucket of indices) {
      for (const e of this.bucketEntries(gen, bucket)) yield { bucket, key: e.key, value: e.value };
    }
  }

  bucketHashes(gen: Generation): BucketHash[] {
    return [...this.hashes[gen]].map(([bucket, hash]) => ({ bucket, hash }));
  }

  hasData(gen: Generation): boolean {
    return this.entries[gen].size > 0 || this.hashes[gen].size > 0;
  }

  getUndo(height: number): Uint8Array | undefined {
    return this.undo.get(height);
  }

  undoHeights(from: number, to: number): number[] {
    return [...this.undo.keys()].filter((h) => h >= from && h <= to).sort((a, b) => a - b);
  }

  getMeta(key: Uint8Array): Uint8Array | undefined {
    return this.meta.get(keyId(key))?.value;
  }

  metaWithPrefix(prefix: Uint8Array): { key: Uint8Array; value: Uint8Array }[] {
    const p = keyId(prefix);
    return [...this.meta.keys()]
      .filter((id) => id.startsWith(p))
      .sort(compareKeyIds)
      .map((id) => this.meta.get(id)!);
  }

  commit(writes: readonly StateWrite[]): Promise<void> {
    // Nothing below can fail half-way, so applying in place is atomic.
    for (const w of writes) this.apply(w);
    return Promise.resolve();
  }

  clearGeneration(gen: Generation): Promise<void> {
    this.entries[gen].clear();
    this.hashes[gen].clear();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private apply(w: StateWrite): void {
    switch (w.kind) {
      case 'put-entry': {
        const buckets = this.entries[w.gen];
        let b = buckets.get(w.bucket);
        if (!b) {
          b = new Map();
          buckets.set(w.bucket, b);
        }
        // Copies: the caller's arrays are often views into block payloads.
        b.set(keyId(w.key), { key: copyBytes(w.key), value: copyBytes(w.value) });
        return;
      }
      case 'delete-entry': {
        const buckets = this.entries[w.gen];
        const b = buckets.get(w.bucket);
        if (b?.delete(keyId(w.key)) && b.size === 0) buckets.delete(w.bucket);
        return;
      }
      case 'put-bucket-hash':
        if (isZero(w.hash)) this.hashes[w.gen].delete(w.bucket);
        else this.hashes[w.gen].set(w.bucket, copyBytes(w.hash));
        return;
      case 'put-undo':
        this.undo.set(w.height, copyBytes(w.record));
        return;
      case 'delete-undo':
        this.undo.delete(w.height);
        return;
      case 'delete-all-undo':
        this.undo.clear();
        return;
      case 'put-meta':
        this.meta.set(keyId(w.key), { key: copyBytes(w.key), value: copyBytes(w.value) });
        return;
      case 'delete-meta':
        this.meta.delete(keyId(w.key));
        return;
      case 'delete-meta-prefix': {
        const p = keyId(w.prefix);
        for (const id of [...this.meta.keys()]) if (id.startsWith(p)) this.meta.delete(id);
        return;
      }
    }
  }
}

function rangeOf(first: number, last: number): number[] {
  const out: number[] = [];
  for (let b = first; b <= last; b++) out.push(b);
  return out;
}
