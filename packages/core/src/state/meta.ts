import { decodeSnapshotManifest, encodeSnapshotManifest } from '../chain/codec.js';
import type { Hash, SnapshotManifest } from '../chain/types.js';
import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError, StoreError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type { Generation } from './backend.js';
import { copyBytes } from './bucket.js';

/** Meta record keys. */
export const MetaKey = {
  state: Uint8Array.of(1),
  import: Uint8Array.of(2),
  /** Prefix of one record per imported chunk: `3 ‖ u32 index`. */
  importedChunkPrefix: Uint8Array.of(3),
} as const;

export function importedChunkKey(index: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = MetaKey.importedChunkPrefix[0]!;
  new DataView(out.buffer).setUint32(1, index);
  return out;
}

export function importedChunkIndex(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(1);
}

const META_VERSION = 1;

/** What the state machine keeps about the live state, rewritten with every change. */
export interface StateMeta {
  readonly depth: number;
  readonly live: Generation;
  readonly height: number;
  readonly root: Hash;
  /** Lowest height `rollbackTo` can reach (the last prune, or the snapshot's height). */
  readonly rollbackFloor: number;
  readonly entryCount: number;
  /** Sum of the entries' encoded lengths (8 + key + value): sizes snapshot chunks. */
  readonly entryBytes: number;
}

export function encodeStateMeta(m: StateMeta): Uint8Array {
  return new ByteWriter(3 + 8 + HASH_LENGTH + 24)
    .u8(META_VERSION)
    .u8(m.depth)
    .u8(m.live)
    .u64(m.height)
    .fixed(m.root, HASH_LENGTH)
    .u64(m.rollbackFloor)
    .u64(m.entryCount)
    .u64(m.entryBytes)
    .finish();
}

export function decodeStateMeta(bytes: Uint8Array): StateMeta {
  return corruptOnDecodeError('state meta', () => {
    const r = new ByteReader(bytes);
    const version = r.u8('meta.version');
    if (version !== META_VERSION) {
      throw new DecodeError('decode.unsupported-version', `state meta version ${version}`);
    }
    const depth = r.u8('meta.depth');
    const live = r.u8('meta.live');
    if (live !== 0 && live !== 1) throw new DecodeError('decode.non-canonical', `generation ${live}`);
    const m: StateMeta = {
      depth,
      live,
      height: r.u64('meta.height'),
      root: copyBytes(r.fixed(HASH_LENGTH, 'meta.root')),
      rollbackFloor: r.u64('meta.rollbackFloor'),
      entryCount: r.u64('meta.entryCount'),
      entryBytes: r.u64('meta.entryBytes'),
    };
    r.end('state meta');
    return m;
  });
}

/** An import in progress: which manifest, into which generation. */
export interface ImportRecord {
  readonly staging: Generation;
  readonly manifest: SnapshotManifest;
}

export function encodeImportRecord(rec: ImportRecord): Uint8Array {
  const manifest = encodeSnapshotManifest(rec.manifest);
  return new ByteWriter(2 + manifest.length).u8(META_VERSION).u8(rec.staging).raw(manifest).finish();
}

export function decodeImportRecord(bytes: Uint8Array): ImportRecord {
  return corruptOnDecodeError('import record', () => {
    const r = new ByteReader(bytes);
    const version = r.u8('import.version');
    if (version !== META_VERSION) {
      throw new DecodeError('decode.unsupported-version', `import record version ${version}`);
    }
    const staging = r.u8('import.staging');
    if (staging !== 0 && staging !== 1)
      throw new DecodeError('decode.non-canonical', `generation ${staging}`);
    const manifest = decodeSnapshotManifest(copyBytes(r.fixed(r.remaining, 'import.manifest')));
    return { staging, manifest };
  });
}

/** Size accounting of one imported chunk, summed at `finish()`. */
export interface ImportedChunk {
  readonly entryCount: number;
  readonly entryBytes: number;
}

export function encodeImportedChunk(c: ImportedChunk): Uint8Array {
  return new ByteWriter(16).u64(c.entryCount).u64(c.entryBytes).finish();
}

export function decodeImportedChunk(bytes: Uint8Array): ImportedChunk {
  return corruptOnDecodeError('imported chunk record', () => {
    const r = new ByteReader(bytes);
    const c = { entryCount: r.u64('chunk.entryCount'), entryBytes: r.u64('chunk.entryBytes') };
    r.end('imported chunk record');
    return c;
  });
}

function corruptOnDecodeError<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new StoreError('store.corrupt', `unreadable ${what}: ${err.message}`, undefined, { cause: err });
    }
    throw err;
  }
}
