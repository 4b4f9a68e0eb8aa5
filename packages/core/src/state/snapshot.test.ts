import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { compareBytes, toHex } from '../encoding/bytes.js';
import { SnapshotError, StateExecutionError } from '../errors.js';
import { ZERO_HASH } from '../hashing.js';
import type { ExecutableBlock, ExportedSnapshot } from '../interfaces/state-machine.js';
import { SeededRandom, shuffleInPlace } from '../random.js';
import { MemoryStateBackend } from './backend-memory.js';
import { bucketOf, type StateEntry } from './bucket.js';
import { decodeStateChunkData, encodeStateChunkData, type StateChunkData } from './chunk-codec.js';
import { createMemoryStateMachine, openLmdbStateMachine } from './factories.js';
import { MerkleKvStateMachine } from './state-machine.js';
import { encodeStateTx, type StateTx } from './tx-codec.js';

const enc = new TextEncoder();
const hex = toHex;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hotsync-snapshot-'));
  dirs.push(d);
  return d;
}

/** Blocks from `height` putting keys `k/from..k/to-1` with seeded values, `perBlock` transactions each. */
function fillBlocks(
  seed: number,
  from: number,
  to: number,
  height = 1,
  perBlock = 10_000,
): ExecutableBlock[] {
  const random = new SeededRandom(seed);
  const blocks: ExecutableBlock[] = [];
  for (let i = from; i < to; i += perBlock) {
    const txs: Uint8Array[] = [];
    for (let k = i; k < Math.min(to, i + perBlock); k++) {
      const tx: StateTx = { kind: 'put', key: enc.encode(`k/${k}`), value: random.bytes(random.int(1, 200)) };
      txs.push(encodeStateTx(tx));
    }
    blocks.push({ height: height + blocks.length, transactions: txs });
  }
  return blocks;
}

function manifestOf(exported: ExportedSnapshot): SnapshotManifest {
  return {
    height: exported.height,
    blockHash: new Uint8Array(32).fill(7),
    stateRoot: exported.stateRoot,
    format: exported.format,
    chunkCount: exported.chunkCount,
    totalBytes: exported.totalBytes,
  };
}

async function collect(exported: ExportedSnapshot): Promise<SnapshotChunk[]> {
  const out: SnapshotChunk[] = [];
  for await (const c of exported.chunks()) out.push(c);
  return out;
}

function snapshotError(fn: () => unknown): SnapshotError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return err as SnapshotError;
  }
  throw new Error('expected a SnapshotError');
}

async function snapshotErrorAsync(fn: () => Promise<unknown>): Promise<SnapshotError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return err as SnapshotError;
  }
  throw new Error('expected a SnapshotError');
}

/** The chunk with its data decoded, changed by `edit`, and encoded again. */
function tamper(chunk: SnapshotChunk, edit: (data: StateChunkData) => StateChunkData): SnapshotChunk {
  return { ...chunk, data: encodeStateChunkData(edit(decodeStateChunkData(chunk.data))) };
}

function withEntries(data: StateChunkData, entries: StateEntry[]): StateChunkData {
  return { ...data, entries };
}

describe('snapshot chunks: verification', () => {
  const depth = 10;
  let source: MerkleKvStateMachine;
  let manifest: SnapshotManifest;
  let chunks: SnapshotChunk[];

  beforeAll(async () => {
    source = createMemoryStateMachine({ depth });
    await source.applyBlocks(fillBlocks(1, 0, 3000), 'last');
    const exported = await source.exportSnapshot({ chunkBytes: 16 * 1024 });
    manifest = manifestOf(exported);
    chunks = await collect(exported);
  });

  /** A chunk with at least one bucket holding two keys and more than a handful of entries. */
  function richChunk(): { chunk: SnapshotChunk; data: StateChunkData } {
    const chunk = chunks[3]!;
    return { chunk, data: decodeStateChunkData(chunk.data) };
  }

  it('exports about chunkBytes per chunk and verifies every chunk', () => {
    expect(manifest.format).toBe(0x010a);
    expect(chunks.length).toBe(manifest.chunkCount);
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.reduce((n, c) => n + c.data.length, 0)).toBe(manifest.totalBytes);
    let entries = 0;
    for (const c of chunks) {
      expect(c.data.length).toBeLessThan(16 * 1024 * 1.5);
      source.verifyChunk(manifest, c);
      entries += decodeStateChunkData(c.data).entries.length;
    }
    expect(entries).toBe(3000);
  });

  it('rejects a changed value', () => {
    const { chunk, data } = richChunk();
    const entries = [...data.entries];
    const value = entries[5]!.value.slice();
    value[0]! ^= 1;
    entries[5] = { key: entries[5]!.key, value };
    expect(
      snapshotError(() =>
        source.verifyChunk(
          manifest,
          tamper(chunk, (d) => withEntries(d, entries)),
        ),
      ).code,
    ).toBe('snapshot.bad-proof');
  });

  it('rejects a removed key', () => {
    const { chunk, data } = richChunk();
    const entries = data.entries.filter((_, i) => i !== 2);
    expect(
      snapshotError(() =>
        source.verifyChunk(
          manifest,
          tamper(chunk, (d) => withEntries(d, entries)),
        ),
      ).code,
    ).toBe('snapshot.bad-proof');
  });

  it('rejects a duplicated key', () => {
    const { chunk, data } = richChunk();
    const entries = [...data.entries];
    entries.splice(4, 0, entries[4]!);
    expect(
      snapshotError(() =>
        source.verifyChunk(
          manifest,
          tamper(chunk, (d) => withEntries(d, entries)),
        ),
      ).code,
    ).toBe('snapshot.key-order');
  });

  it('rejects keys out of (bucket, key) order', () => {
    const { chunk, data } = richChunk();
    // Two keys of one bucket swapped, and two buckets swapped.
    const b = data.entries.map((e) => bucketOf(e.key, depth));
    const same = b.findIndex((x, i) => i > 0 && x === b[i - 1]);
    expect(same).toBeGreaterThan(0);
    const swapped = [...data.entries];
    [swapped[same - 1], swapped[same]] = [swapped[same]!, swapped[same - 1]!];
    expect(
      snapshotError(() =>
        source.verifyChunk(
          manifest,
          tamper(chunk, (d) => withEntries(d, swapped)),
        ),
      ).code,
    ).toBe('snapshot.key-order');
    const first = data.entries.findIndex((_, i) => i > 0 && b[i] !== b[i - 1]);
    const across = [...data.entries];
    [across[first - 1], across[first]] = [across[first]!, across[first - 1]!];
    expect(
      snapshotError(() =>
        source.verifyChunk(
          manifest,
          tamper(chunk, (d) => withEntries(d, across)),
        ),
      ).code,
    ).toBe('snapshot.key-order');
  });

  it('rejects a key moved to another chunk, on both sides', () => {
    const from = decodeStateChunkData(chunks[2]!.data);
    const to = decodeStateChunkData(chunks[6]!.data);
    const moved = from.entries[0]!;
    const toEntries = [...to.entries, moved].sort(
      (x, y) => bucketOf(x.key, depth) - bucketOf(y.key, depth) || compareBytes(x.key, y.key),
    );
    const receiving = tamper(chunks[6]!, (d) => withEntries(d, toEntries));
    const giving = tamper(chunks[2]!, (d) => withEntries(d, from.entries.slice(1)));
    expect(snapshotError(() => source.verifyChunk(manifest, receiving)).code).toBe('snapshot.key-order');
    expect(snapshotError(() => source.verifyChunk(manifest, giving)).code).toBe('snapshot.bad-proof');
  });

  it('rejects a chunk of another root, also when relabelled with this root', async () => {
    // Another state: the same keys but one value, so it exports into the same chunk ranges.
    const other = createMemoryStateMachine({ depth });
    const blocks = fillBlocks(1, 0, 3000);
    const changedKey = enc.encode('k/17');
    blocks.push({
      height: 2,
      transactions: [encodeStateTx({ kind: 'put', key: changedKey, value: enc.encode('x') })],
    });
    await other.applyBlocks(blocks, 'last');
    const exported = await other.exportSnapshot({ chunkBytes: 16 * 1024 });
    expect(exported.chunkCount).toBe(manifest.chunkCount);
    const theirs = await collect(exported);
    const bucket = bucketOf(changedKey, depth);
    const index = theirs.findIndex((c) => {
      const d = decodeStateChunkData(c.data);
      return d.firstBucket <= bucket && bucket <= d.lastBucket;
    });
    expect(snapshotError(() => source.verifyChunk(manifest, theirs[index]!)).code).toBe(
      'snapshot.wrong-root',
    );
    const relabelled = { ...theirs[index]!, stateRoot: manifest.stateRoot };
    expect(snapshotError(() => source.verifyChunk(manifest, relabelled)).code).toBe('snapshot.bad-proof');
  });

  it('rejects a wrong chunk index or bucket range', () => {
    const chunk = chunks[4]!;
    const code = (c: SnapshotChunk, m = manifest): string =>
      snapshotError(() => source.verifyChunk(m, c)).code;
    expect(code({ ...chunk, index: 5 })).toBe('snapshot.chunk-index');
    expect(code({ ...chunk, index: manifest.chunkCount })).toBe('snapshot.chunk-index');
    expect(code({ ...chunk, index: -1 })).toBe('snapshot.chunk-index');
    expect(code(tamper(chunk, (d) => ({ ...d, lastBucket: d.lastBucket + 1 })))).toBe('snapshot.chunk-index');
    expect(code(tamper(chunk, (d) => ({ ...d, firstBucket: d.firstBucket - 1 })))).toBe(
      'snapshot.chunk-index',
    );
    expect(code(chunk, { ...manifest, chunkCount: manifest.chunkCount + 1 })).toBe('snapshot.chunk-index');
    expect(code(chunk, { ...manifest, chunkCount: 0 })).toBe('snapshot.chunk-index');
    expect(code(chunk, { ...manifest, chunkCount: 2 ** depth + 1 })).toBe('snapshot.chunk-index');
  });

  it('rejects truncated and garbled chunks', () => {
    const chunk = chunks[4]!;
    const code = (data: Uint8Array): string =>
      snapshotError(() => source.verifyChunk(manifest, { ...chunk, data })).code;
    expect(code(chunk.data.subarray(0, 10))).toBe('snapshot.malformed-chunk');
    expect(code(chunk.data.subarray(0, 500))).toBe('snapshot.malformed-chunk');
    // One proof hash short, one byte short, one byte extra.
    expect(code(chunk.data.subarray(0, chunk.data.length - 32))).toBe('snapshot.malformed-chunk');
    expect(code(chunk.data.subarray(0, chunk.data.length - 1))).toBe('snapshot.malformed-chunk');
    expect(code(Uint8Array.of(...chunk.data, 0))).toBe('snapshot.malformed-chunk');
    const hugeCount = chunk.data.slice();
    new DataView(hugeCount.buffer).setUint32(9, 0xffff_ffff);
    expect(code(hugeCount)).toBe('snapshot.malformed-chunk');
    const hugeKey = chunk.data.slice();
    new DataView(hugeKey.buffer).setUint32(13, 5000);
    expect(code(hugeKey)).toBe('snapshot.malformed-chunk');
    const emptyKey = chunk.data.slice();
    new DataView(emptyKey.buffer).setUint32(13, 0);
    expect(code(emptyKey)).toBe('snapshot.malformed-chunk');
    expect(code(new Uint8Array(0))).toBe('snapshot.malformed-chunk');
  });

  it('rejects a forged proof hash', () => {
    const chunk = chunks[4]!;
    for (const offset of [1, 32, 64]) {
      const data = chunk.data.slice();
      data[data.length - offset]! ^= 0x80;
      expect(snapshotError(() => source.verifyChunk(manifest, { ...chunk, data })).code).toBe(
        'snapshot.bad-proof',
      );
    }
    // Replacing the whole proof with zeros (claiming empty neighbours) fails too.
    const zeroed = tamper(chunk, (d) => ({ ...d, proof: new Uint8Array(d.proof.length) }));
    expect(snapshotError(() => source.verifyChunk(manifest, zeroed)).code).toBe('snapshot.bad-proof');
  });

  it('rejects another format or tree depth', () => {
    const chunk = chunks[4]!;
    expect(snapshotError(() => source.verifyChunk({ ...manifest, format: 0x0110 }, chunk)).code).toBe(
      'snapshot.format',
    );
    expect(
      snapshotError(() =>
        source.verifyChunk(
          manifest,
          tamper(chunk, (d) => ({ ...d, depth: 11 })),
        ),
      ).code,
    ).toBe('snapshot.format');
    const deeper = createMemoryStateMachine({ depth: 12 });
    expect(snapshotError(() => deeper.verifyChunk(manifest, chunk)).code).toBe('snapshot.format');
  });
});

interface Factory {
  readonly name: string;
  open(): Promise<MerkleKvStateMachine>;
}

const factories: Factory[] = [
  { name: 'memory', open: async () => createMemoryStateMachine() },
  { name: 'lmdb', open: () => openLmdbStateMachine({ path: tempDir(), noSync: true }) },
];

describe.each(factories)('snapshot export and import ($name)', (factory) => {
  it('round-trips 100k keys with chunks imported in shuffled order', async () => {
    const source = await factory.open();
    await source.applyBlocks(fillBlocks(42, 0, 100_000), 'last');
    await source.applyBlocks(
      [{ height: 11, transactions: [encodeStateTx({ kind: 'delete', key: enc.encode('k/5') })] }],
      'each',
    );
    const exported = await source.exportSnapshot({ chunkBytes: 64 * 1024 });
    const manifest = manifestOf(exported);
    expect(manifest.height).toBe(11);
    expect(manifest.stateRoot).toEqual(source.root());
    const chunks = await collect(exported);
    expect(chunks.length).toBe(exported.chunkCount);
    expect(chunks.reduce((n, c) => n + c.data.length, 0)).toBe(exported.totalBytes);

    const target = await factory.open();
    // The target has a state of its own, which the import replaces.
    await target.applyBlocks(fillBlocks(7, 0, 500), 'each');
    const imp = await target.beginImport(manifest);
    shuffleInPlace(chunks, new SeededRandom(3));
    for (const c of chunks) await imp.addChunk(c);
    expect(imp.missingChunks()).toEqual([]);
    await imp.finish();

    expect(hex(target.root())).toBe(hex(source.root()));
    expect(target.height()).toBe(11);
    expect(target.stats()).toEqual(source.stats());
    expect(target.get(enc.encode('k/99999'))).toEqual(source.get(enc.encode('k/99999')));
    expect(target.get(enc.encode('k/5'))).toBeUndefined();
    // Undo history starts at the snapshot; the chain continues from it.
    const err = await target.rollbackTo(10).catch((e: unknown) => e);
    expect((err as StateExecutionError).code).toBe('state.rollback-unavailable');
    const next = [
      {
        height: 12,
        transactions: [encodeStateTx({ kind: 'put', key: enc.encode('n'), value: enc.encode('1') })],
      },
    ];
    expect(await target.applyBlocks(next, 'each')).toEqual(await source.applyBlocks(next, 'each'));
    await source.close();
    await target.close();
  });

  it('leaves the live state intact when an import is aborted, and while it runs', async () => {
    const source = await factory.open();
    await source.applyBlocks(fillBlocks(1, 0, 4000), 'last');
    const exported = await source.exportSnapshot({ chunkBytes: 8 * 1024 });
    const manifest = manifestOf(exported);
    const chunks = await collect(exported);

    const target = await factory.open();
    await target.applyBlocks(fillBlocks(2, 0, 300), 'each');
    const root = target.root();
    const imp = await target.beginImport(manifest);
    for (const c of chunks.slice(0, 10)) await imp.addChunk(c);
    // The live state keeps working during the import.
    const [r2] = await target.applyBlocks(fillBlocks(3, 0, 10, 2), 'each');
    expect(target.height()).toBe(2);
    await imp.abort();
    await imp.abort();
    expect(target.root()).toEqual(r2);
    expect(target.height()).toBe(2);
    await target.rollbackTo(1);
    expect(target.root()).toEqual(root);
    await expect(imp.addChunk(chunks[11]!)).rejects.toBeInstanceOf(StateExecutionError);

    // A new import after the abort starts from nothing and completes.
    const again = await target.beginImport(manifest);
    expect(again.missingChunks().length).toBe(manifest.chunkCount);
    for (const c of chunks) await again.addChunk(c);
    await again.finish();
    expect(target.root()).toEqual(source.root());
    await source.close();
    await target.close();
  });

  it('refuses to finish an incomplete import, and refuses a chunk twice', async () => {
    const source = await factory.open();
    await source.applyBlocks(fillBlocks(1, 0, 2000), 'last');
    const exported = await source.exportSnapshot({ chunkBytes: 8 * 1024 });
    const manifest = manifestOf(exported);
    const chunks = await collect(exported);
    const target = await factory.open();
    const imp = await target.beginImport(manifest);
    await imp.addChunk(chunks[1]!);
    expect((await snapshotErrorAsync(() => imp.addChunk(chunks[1]!))).code).toBe('snapshot.chunk-index');
    const forged = { ...chunks[0]!, data: chunks[0]!.data.slice(0, -1) };
    expect((await snapshotErrorAsync(() => imp.addChunk(forged))).code).toBe('snapshot.malformed-chunk');
    expect(imp.missingChunks()).toEqual(chunks.map((_, i) => i).filter((i) => i !== 1));
    expect((await snapshotErrorAsync(() => imp.finish())).code).toBe('snapshot.incomplete');
    for (const c of chunks) if (c.index !== 1) await imp.addChunk(c);
    await imp.finish();
    expect(target.root()).toEqual(source.root());
    await expect(imp.addChunk(chunks[0]!)).rejects.toBeInstanceOf(StateExecutionError);
    await source.close();
    await target.close();
  });

  it('refuses a manifest of another format, and invalidates an import superseded by another', async () => {
    const target = await factory.open();
    const manifest: SnapshotManifest = {
      height: 5,
      blockHash: ZERO_HASH,
      stateRoot: ZERO_HASH,
      format: target.snapshotFormat,
      chunkCount: 1,
      totalBytes: 13,
    };
    expect((await snapshotErrorAsync(() => target.beginImport({ ...manifest, format: 1 }))).code).toBe(
      'snapshot.format',
    );
    const first = await target.beginImport(manifest);
    const second = await target.beginImport(manifest);
    await expect(first.finish()).rejects.toBeInstanceOf(StateExecutionError);
    expect(second.missingChunks()).toEqual([0]);
    await target.close();
  });

  it('exports and imports an empty state', async () => {
    const source = await factory.open();
    const exported = await source.exportSnapshot({ chunkBytes: 1024 });
    expect(exported.chunkCount).toBe(1);
    const chunks = await collect(exported);
    const target = await factory.open();
    await target.applyBlocks(fillBlocks(1, 0, 50), 'each');
    const imp = await target.beginImport(manifestOf(exported));
    await imp.addChunk(chunks[0]!);
    await imp.finish();
    expect(target.root()).toEqual(ZERO_HASH);
    expect(target.stats().entries).toBe(0);
    expect(target.get(enc.encode('k/1'))).toBeUndefined();
    await source.close();
    await target.close();
  });

  it('stops an export whose state changed before its chunks were read', async () => {
    const source = await factory.open();
    await source.applyBlocks(fillBlocks(1, 0, 1000), 'last');
    const exported = await source.exportSnapshot({ chunkBytes: 4096 });
    const iterator = exported.chunks()[Symbol.asyncIterator]();
    await iterator.next();
    await source.applyBlocks(fillBlocks(2, 0, 1, 2), 'each');
    const err = await iterator.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as SnapshotError).code).toBe('snapshot.root-mismatch');
    // Pruning does not change the content: an export survives it.
    const fresh = await source.exportSnapshot({ chunkBytes: 4096 });
    await source.prune(1);
    expect((await collect(fresh)).length).toBe(fresh.chunkCount);
    await expect(source.exportSnapshot({ chunkBytes: 0 })).rejects.toThrow(/chunkBytes/);
    await source.close();
  });
});

describe('snapshot import on LMDB across restarts', () => {
  it('resumes an import after closing and reopening', async () => {
    const source = createMemoryStateMachine();
    await source.applyBlocks(fillBlocks(9, 0, 20_000), 'last');
    const exported = await source.exportSnapshot({ chunkBytes: 32 * 1024 });
    const manifest = manifestOf(exported);
    const chunks = shuffleInPlace(await collect(exported), new SeededRandom(1));
    const half = Math.floor(chunks.length / 2);

    const path = tempDir();
    const target = await openLmdbStateMachine({ path, noSync: true });
    await target.applyBlocks(fillBlocks(2, 0, 100), 'each');
    const liveRoot = target.root();
    const imp = await target.beginImport(manifest);
    for (const c of chunks.slice(0, half)) await imp.addChunk(c);
    await target.close();

    const reopened = await openLmdbStateMachine({ path, noSync: true });
    expect(reopened.root()).toEqual(liveRoot);
    const resumed = await reopened.beginImport(manifest);
    expect(resumed.missingChunks()).toEqual(
      chunks
        .slice(half)
        .map((c) => c.index)
        .sort((a, b) => a - b),
    );
    for (const c of chunks.slice(half)) await resumed.addChunk(c);
    await resumed.finish();
    expect(reopened.root()).toEqual(source.root());
    expect(reopened.stats()).toEqual(source.stats());
    await reopened.close();

    // The switch is durable, and the old generation is gone.
    const again = await openLmdbStateMachine({ path, noSync: true });
    expect(again.root()).toEqual(source.root());
    expect(again.height()).toBe(source.height());
    await again.close();
  });

  it('starts over when a different snapshot is imported after a restart', async () => {
    const a = createMemoryStateMachine();
    await a.applyBlocks(fillBlocks(1, 0, 3000), 'last');
    const b = createMemoryStateMachine();
    await b.applyBlocks(fillBlocks(2, 0, 3000), 'last');
    const ea = await a.exportSnapshot({ chunkBytes: 16 * 1024 });
    const eb = await b.exportSnapshot({ chunkBytes: 16 * 1024 });
    const path = tempDir();
    const target = await openLmdbStateMachine({ path, noSync: true });
    const imp = await target.beginImport(manifestOf(ea));
    for (const c of (await collect(ea)).slice(0, 5)) await imp.addChunk(c);
    await target.close();
    const reopened = await openLmdbStateMachine({ path, noSync: true });
    const other = await reopened.beginImport(manifestOf(eb));
    expect(other.missingChunks().length).toBe(eb.chunkCount);
    for (const c of await collect(eb)) await other.addChunk(c);
    await other.finish();
    expect(reopened.root()).toEqual(b.root());
    expect(reopened.stats()).toEqual(b.stats());
    await reopened.close();
  });
});

describe('snapshot import: damaged staging data', () => {
  it('fails finish() with snapshot.root-mismatch and keeps the live state', async () => {
    const source = createMemoryStateMachine({ depth: 8 });
    await source.applyBlocks(fillBlocks(1, 0, 500), 'last');
    const exported = await source.exportSnapshot({ chunkBytes: 4096 });
    const backend = new MemoryStateBackend();
    const target = MerkleKvStateMachine.openSync(backend, { depth: 8 });
    const imp = await target.beginImport(manifestOf(exported));
    for (const c of await collect(exported)) await imp.addChunk(c);
    // A bucket hash of the staging generation (1) damaged behind the import's back.
    await backend.commit([{ kind: 'put-bucket-hash', gen: 1, bucket: 3, hash: new Uint8Array(32).fill(1) }]);
    expect((await snapshotErrorAsync(() => imp.finish())).code).toBe('snapshot.root-mismatch');
    expect(target.root()).toEqual(ZERO_HASH);
    expect(target.height()).toBe(0);
    await imp.abort();
    expect(backend.hasData(1)).toBe(false);
  });
});
