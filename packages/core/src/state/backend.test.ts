import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import type { StateBackend } from './backend.js';
import { LmdbStateBackend } from './backend-lmdb.js';
import { MemoryStateBackend } from './backend-memory.js';

const enc = new TextEncoder();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const factories: { name: string; open(): StateBackend }[] = [
  { name: 'memory', open: () => new MemoryStateBackend() },
  {
    name: 'lmdb',
    open: () => {
      const path = mkdtempSync(join(tmpdir(), 'hotsync-state-backend-'));
      dirs.push(path);
      return new LmdbStateBackend({ path, noSync: true });
    },
  },
];

describe.each(factories)('StateBackend ($name)', ({ open }) => {
  it('scans buckets and bucket ranges in (bucket, key) order, per generation', async () => {
    const b = open();
    const put = (gen: 0 | 1, bucket: number, key: string) =>
      ({
        kind: 'put-entry',
        gen,
        bucket,
        key: enc.encode(key),
        value: enc.encode(`${gen}/${bucket}/${key}`),
      }) as const;
    await b.commit([
      put(0, 7, 'b'),
      put(0, 7, 'a'),
      put(0, 7, 'ab'),
      put(0, 3, 'z'),
      put(0, 8, 'a'),
      put(1, 7, 'x'),
    ]);
    const keys = (it: Iterable<{ key: Uint8Array }>) => [...it].map((e) => new TextDecoder().decode(e.key));
    expect(keys(b.bucketEntries(0, 7))).toEqual(['a', 'ab', 'b']);
    expect(keys(b.bucketEntries(1, 7))).toEqual(['x']);
    expect([...b.rangeEntries(0, 3, 7)].map((e) => e.bucket)).toEqual([3, 7, 7, 7]);
    expect(keys(b.rangeEntries(0, 0, 2 ** 16 - 1))).toEqual(['z', 'a', 'ab', 'b', 'a']);
    expect(b.hasData(1)).toBe(true);
    await b.clearGeneration(1);
    expect(b.hasData(1)).toBe(false);
    expect(keys(b.bucketEntries(0, 7))).toEqual(['a', 'ab', 'b']);
    await b.close();
  });

  it('keeps undo records by height and meta records by prefix', async () => {
    const b = open();
    await b.commit([
      { kind: 'put-undo', height: 2, record: Uint8Array.of(2) },
      { kind: 'put-undo', height: 300, record: Uint8Array.of(3) },
      { kind: 'put-undo', height: 1, record: Uint8Array.of(1) },
      { kind: 'put-meta', key: Uint8Array.of(3, 0, 0, 0, 1), value: Uint8Array.of(1) },
      { kind: 'put-meta', key: Uint8Array.of(3, 0, 0, 0, 0), value: Uint8Array.of(0) },
      { kind: 'put-meta', key: Uint8Array.of(4), value: Uint8Array.of(4) },
    ]);
    expect(b.undoHeights(0, 299)).toEqual([1, 2]);
    expect([...b.metaWithPrefix(Uint8Array.of(3))].map((m) => m.value[0])).toEqual([0, 1]);
    await b.commit([{ kind: 'delete-meta-prefix', prefix: Uint8Array.of(3) }, { kind: 'delete-all-undo' }]);
    expect([...b.metaWithPrefix(Uint8Array.of(3))]).toEqual([]);
    expect([...b.getMeta(Uint8Array.of(4))!]).toEqual([4]);
    expect(b.undoHeights(0, 1000)).toEqual([]);
    await b.close();
  });
});

describe('LmdbStateBackend', () => {
  it('writes nothing of a commit that fails half-way', async () => {
    const path = mkdtempSync(join(tmpdir(), 'hotsync-state-backend-'));
    dirs.push(path);
    const b = new LmdbStateBackend({ path, noSync: true });
    // LMDB refuses keys above ~2 KB: the second write throws after the first was made.
    const err = await b
      .commit([
        { kind: 'put-meta', key: Uint8Array.of(9), value: Uint8Array.of(1) },
        { kind: 'put-entry', gen: 0, bucket: 1, key: new Uint8Array(4000), value: Uint8Array.of(1) },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('store.io');
    expect(b.getMeta(Uint8Array.of(9))).toBeUndefined();
    await b.close();
    const reopened = new LmdbStateBackend({ path, noSync: true });
    expect(reopened.getMeta(Uint8Array.of(9))).toBeUndefined();
    await reopened.close();
  });
});
