import { type Database, open, type RootDatabase } from 'lmdb';
import {
  decodeCommitProof,
  decodeValidatorSet,
  encodeCommitProof,
  encodeValidatorSet,
} from '../chain/codec.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import type { CommitProof, Hash, ValidatorSet } from '../chain/types.js';
import { assertSafeU64, bytesEqual, compareBytes, readU64be, u64be } from '../encoding/bytes.js';
import { StoreError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type {
  BlockBatch,
  ChainStore,
  Checkpoint,
  PeerBan,
  StoredBlock,
  StoredSnapshot,
} from '../interfaces/chain-store.js';
import type { PeerId } from '../interfaces/network.js';
import type { TrustedPoint } from '../interfaces/verifier.js';
import {
  asBytes,
  asStoreError,
  CHUNK_KEY_LENGTH,
  chunkKey,
  decodeBlockValue,
  decodeStored,
  encodeBlockValue,
  encodeLayoutVersion,
  LAYOUT_VERSION,
  META_KEYS,
  TABLES,
} from './lmdb-layout.js';
import { checkRangeRequest } from './range-request.js';
import {
  decodeCheckpoint,
  decodePeerBan,
  decodeStoreBase,
  decodeStoredSnapshot,
  decodeTrustedPoint,
  encodeCheckpoint,
  encodePeerBan,
  encodeStoreBase,
  encodeStoredSnapshot,
  encodeTrustedPoint,
  peerIdBytes,
  type StoreBase,
} from './records.js';
import {
  type CommittedState,
  checkBatch,
  checkCommitProof,
  checkInitialize,
  checkRebase,
  checkRollback,
} from './validation.js';
import { closedError, WriteQueue } from './write-queue.js';

export interface LmdbChainStoreOptions {
  /** Directory of the LMDB environment (created when missing). */
  readonly path: string;
  /**
   * Skip fsync: writes resolve once committed and survive a process crash, but not an OS
   * crash or power loss. For tests, benchmarks and throw-away nodes.
   */
  readonly noSync?: boolean;
  /** Initial map size in bytes; lmdb-js grows the map as needed. */
  readonly mapSize?: number;
  /** Limits for decoding stored commit proofs and validator sets (default: the codec's). */
  readonly limits?: CodecLimits;
}

type Table = Database<Uint8Array, Uint8Array>;

interface Tables {
  readonly blocks: Table;
  readonly blockHashes: Table;
  readonly commitProofs: Table;
  readonly validatorSets: Table;
  readonly meta: Table;
  readonly peerBans: Table;
  readonly snapshots: Table;
  readonly snapshotChunks: Table;
}

/** Opens (or creates) an LMDB chain store at `options.path`. */
export function openLmdbChainStore(options: LmdbChainStoreOptions): Promise<LmdbChainStore> {
  return LmdbChainStore.open(options);
}

/**
 * The default chain store (DESIGN §2, §4): one LMDB environment, one named database per
 * table (see lmdb-layout.ts). Reads are synchronous and see one committed snapshot per
 * event-loop turn; writes go through a queue, one LMDB transaction each, validated inside
 * that transaction and resolved once durable (flushed, unless `noSync`).
 */
export class LmdbChainStore implements ChainStore {
  private readonly queue = new WriteQueue();
  private readonly limits: CodecLimits;
  private readonly durable: boolean;
  private closing: Promise<void> | undefined;
  private readonly openCursors = new Set<Iterator<unknown>>();
  /** The decoded tip and the bytes it came from: tip() is called often and rarely changes. */
  private tipCache: { readonly raw: Uint8Array; readonly point: TrustedPoint } | undefined;
  /** The validation rules' view; inside a write transaction its reads see that transaction. */
  private readonly committed: CommittedState = {
    tip: () => this.readTip(),
    base: () => this.readBase(),
    hashAt: (height) => this.readHashAt(height),
  };

  private constructor(
    private readonly root: RootDatabase<Uint8Array, Uint8Array>,
    private readonly t: Tables,
    options: LmdbChainStoreOptions,
  ) {
    this.limits = options.limits ?? DEFAULT_CODEC_LIMITS;
    this.durable = options.noSync !== true;
  }

  static async open(options: LmdbChainStoreOptions): Promise<LmdbChainStore> {
    let root: RootDatabase<Uint8Array, Uint8Array>;
    try {
      root = open<Uint8Array, Uint8Array>({
        path: options.path,
        encoding: 'binary',
        keyEncoding: 'binary',
        compression: false,
        maxDbs: 16,
        // Only what the caller set: lmdb-js merges options over its defaults, and an explicit
        // `undefined` would replace a default.
        ...(options.noSync === true ? { noSync: true } : {}),
        ...(options.mapSize !== undefined ? { mapSize: options.mapSize } : {}),
      });
    } catch (error) {
      throw asStoreError(error, `opening the LMDB environment at ${options.path}`);
    }
    try {
      const table = (name: string): Table => root.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
      const tables: Tables = {
        blocks: table(TABLES.blocks),
        blockHashes: table(TABLES.blockHashes),
        commitProofs: table(TABLES.commitProofs),
        validatorSets: table(TABLES.validatorSets),
        meta: table(TABLES.meta),
        peerBans: table(TABLES.peerBans),
        snapshots: table(TABLES.snapshots),
        snapshotChunks: table(TABLES.snapshotChunks),
      };
      const version = tables.meta.getBinary(META_KEYS.format);
      if (version !== undefined && !bytesEqual(version, encodeLayoutVersion())) {
        throw new StoreError(
          'store.corrupt',
          `${options.path} holds a chain store of another layout (expected version ${LAYOUT_VERSION})`,
          { path: options.path },
        );
      }
      return new LmdbChainStore(root, tables, options);
    } catch (error) {
      await root.close();
      throw asStoreError(error, `opening the chain store at ${options.path}`);
    }
  }

  // ---- reads ----------------------------------------------------------------------

  tip(): TrustedPoint | undefined {
    this.assertOpen();
    return this.readTip();
  }

  base(): number | undefined {
    this.assertOpen();
    return this.readBase()?.height;
  }

  blockBytes(height: number): Uint8Array | undefined {
    this.assertOpen();
    const value = this.t.blocks.getBinary(u64be(height));
    return value && decodeBlockValue(height, asBytes(value)).bytes;
  }

  blockRangeBytes(fromHeight: number, maxCount: number, maxBytes?: number): Uint8Array[] {
    this.assertOpen();
    const byteLimit = checkRangeRequest(fromHeight, maxCount, maxBytes);
    const out: Uint8Array[] = [];
    if (maxCount === 0) return out;
    let expected = fromHeight;
    let total = 0;
    for (const { key, value } of this.t.blocks.getRange({ start: u64be(fromHeight), limit: maxCount })) {
      if (readU64be(key) !== expected) break;
      const { bytes } = decodeBlockValue(expected, asBytes(value));
      if (out.length > 0 && total + bytes.length > byteLimit) break;
      out.push(bytes);
      total += bytes.length;
      expected++;
    }
    return out;
  }

  iterateBlocks(fromHeight: number, toHeight: number): Iterable<StoredBlock> {
    this.assertOpen();
    assertSafeU64(fromHeight, 'fromHeight');
    assertSafeU64(toHeight, 'toHeight');
    if (fromHeight > toHeight) return [];
    return { [Symbol.iterator]: () => this.blocksBetween(fromHeight, toHeight) };
  }

  heightOfHash(hash: Hash): number | undefined {
    this.assertOpen();
    if (hash.length !== HASH_LENGTH) return undefined;
    const value = transientBytes(this.t.blockHashes, hash);
    return value && decodeStored('block hash index entry', value, (v) => readU64be(v));
  }

  commitProof(height: number): CommitProof | undefined {
    this.assertOpen();
    const value = this.t.commitProofs.getBinary(u64be(height));
    return (
      value &&
      decodeStored(`commit proof ${height}`, asBytes(value), (v) => decodeCommitProof(v, this.limits))
    );
  }

  latestCommitProofHeight(): number | undefined {
    this.assertOpen();
    const last = lastKey(this.t.commitProofs);
    return last && readU64be(last);
  }

  validatorSet(epoch: number): ValidatorSet | undefined {
    this.assertOpen();
    const value = this.t.validatorSets.getBinary(u64be(epoch));
    return (
      value &&
      decodeStored(`validator set ${epoch}`, asBytes(value), (v) => decodeValidatorSet(v, this.limits))
    );
  }

  checkpoint(): Checkpoint | undefined {
    this.assertOpen();
    return this.readCheckpoint();
  }

  bans(): PeerBan[] {
    this.assertOpen();
    const out: PeerBan[] = [];
    for (const { value } of this.t.peerBans.getRange())
      out.push(decodeStored('peer ban', value, decodePeerBan));
    return out;
  }

  snapshotChunk(stateRoot: Hash, index: number): Uint8Array | undefined {
    this.assertOpen();
    const value = this.t.snapshotChunks.getBinary(chunkKey(stateRoot, index));
    return value && asBytes(value);
  }

  snapshotChunkIndices(stateRoot: Hash): number[] {
    this.assertOpen();
    return this.chunkKeys(stateRoot).map((key) =>
      new DataView(key.buffer, key.byteOffset).getUint32(HASH_LENGTH),
    );
  }

  snapshots(): StoredSnapshot[] {
    this.assertOpen();
    const out: StoredSnapshot[] = [];
    for (const { value } of this.t.snapshots.getRange()) {
      out.push(decodeStored('snapshot', asBytes(value), decodeStoredSnapshot));
    }
    return out.sort((a, b) => a.height - b.height || compareBytes(a.stateRoot, b.stateRoot));
  }

  // ---- writes ---------------------------------------------------------------------

  initialize(tip: TrustedPoint, anchorBlock?: StoredBlock): Promise<void> {
    return this.write('initialize', () => {
      checkInitialize(this.committed, tip, anchorBlock);
      const { meta } = this.t;
      put(meta, META_KEYS.format, encodeLayoutVersion());
      put(meta, META_KEYS.base, encodeStoreBase({ height: tip.height, hash: tip.hash }));
      if (anchorBlock) this.appendBlock(anchorBlock);
      // The anchor's set is trusted by definition; storing it lets validatorSet(epoch) answer from the start.
      putInOrder(this.t.validatorSets, u64be(tip.validatorSet.epoch), encodeValidatorSet(tip.validatorSet));
      put(meta, META_KEYS.tip, encodeTrustedPoint(tip));
    });
  }

  commitBatch(batch: BlockBatch): Promise<void> {
    return this.write('commitBatch', () => {
      checkBatch(this.committed, batch);
      for (const block of batch.blocks) this.appendBlock(block);
      if (batch.commitProof) this.putProof(batch.commitProof);
      for (const set of batch.validatorSets ?? []) {
        putInOrder(this.t.validatorSets, u64be(set.epoch), encodeValidatorSet(set));
      }
      if (batch.checkpoint) put(this.t.meta, META_KEYS.checkpoint, encodeCheckpoint(batch.checkpoint));
      put(this.t.meta, META_KEYS.tip, encodeTrustedPoint(batch.tip));
    });
  }

  putCommitProof(proof: CommitProof): Promise<void> {
    return this.write('putCommitProof', () => {
      checkCommitProof(this.committed, proof);
      this.putProof(proof);
    });
  }

  rebase(tip: TrustedPoint, baseBlock: StoredBlock, commitProof?: CommitProof): Promise<void> {
    return this.write('rebase', () => {
      checkRebase(this.committed, tip, baseBlock, commitProof);
      // Collect first: removing entries under an open cursor is not safe.
      const blockKeys = [...this.t.blocks.getKeys()].map(asBytes);
      const hashKeys = [...this.t.blockHashes.getKeys()].map(asBytes);
      const proofKeys = [...this.t.commitProofs.getKeys()].map(asBytes);
      for (const key of blockKeys) remove(this.t.blocks, key);
      for (const key of hashKeys) remove(this.t.blockHashes, key);
      for (const key of proofKeys) remove(this.t.commitProofs, key);
      remove(this.t.meta, META_KEYS.checkpoint);
      put(this.t.meta, META_KEYS.base, encodeStoreBase({ height: tip.height, hash: tip.hash }));
      this.appendBlock(baseBlock);
      putInOrder(this.t.validatorSets, u64be(tip.validatorSet.epoch), encodeValidatorSet(tip.validatorSet));
      if (commitProof) this.putProof(commitProof);
      put(this.t.meta, META_KEYS.tip, encodeTrustedPoint(tip));
    });
  }

  rollbackTo(height: number, tip: TrustedPoint): Promise<void> {
    return this.write('rollbackTo', () => {
      checkRollback(this.committed, height, tip);
      const tipRecord = encodeTrustedPoint(tip);
      const from = u64be(height);
      // Collect first: removing entries under an open cursor is not safe.
      const removed: { key: Uint8Array; hash: Uint8Array }[] = [];
      for (const { key, value } of this.t.blocks.getRange({ start: from })) {
        if (compareBytes(key, from) > 0) removed.push({ key, hash: asBytes(value).subarray(0, HASH_LENGTH) });
      }
      const proofKeys = keysAfter(this.t.commitProofs, from);
      // Sets of epochs after the tip's were learned from the removed blocks.
      const setKeys = keysAfter(this.t.validatorSets, u64be(tip.validatorSet.epoch));
      const checkpoint = this.readCheckpoint();
      for (const { key, hash } of removed) {
        remove(this.t.blocks, key);
        remove(this.t.blockHashes, hash);
      }
      for (const key of proofKeys) remove(this.t.commitProofs, key);
      for (const key of setKeys) remove(this.t.validatorSets, key);
      // A checkpoint above the new tip points at blocks that are gone: resume from the tip instead.
      if (checkpoint && checkpoint.height > height) remove(this.t.meta, META_KEYS.checkpoint);
      put(this.t.meta, META_KEYS.tip, tipRecord);
    });
  }

  putBan(ban: PeerBan): Promise<void> {
    return this.write('putBan', () => {
      put(this.t.peerBans, peerIdBytes(ban.peer), encodePeerBan(ban));
    });
  }

  removeBan(peer: PeerId): Promise<void> {
    return this.write('removeBan', () => {
      this.t.peerBans.removeSync(peerIdBytes(peer));
    });
  }

  putSnapshotChunk(stateRoot: Hash, index: number, data: Uint8Array): Promise<void> {
    return this.write('putSnapshotChunk', () => {
      put(this.t.snapshotChunks, chunkKey(stateRoot, index), data);
    });
  }

  putSnapshot(snapshot: StoredSnapshot): Promise<void> {
    return this.write('putSnapshot', () => {
      put(this.t.snapshots, snapshot.stateRoot, encodeStoredSnapshot(snapshot));
    });
  }

  deleteSnapshot(stateRoot: Hash): Promise<void> {
    return this.write('deleteSnapshot', () => {
      const keys = this.chunkKeys(stateRoot);
      if (stateRoot.length === HASH_LENGTH) this.t.snapshots.removeSync(stateRoot);
      for (const key of keys) remove(this.t.snapshotChunks, key);
    });
  }

  /** Refuses new calls, waits for queued writes, then closes the environment. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        await this.queue.close();
        this.tipCache = undefined;
        for (const cursor of this.openCursors) cursor.return?.();
        this.openCursors.clear();
        try {
          await this.root.close();
        } catch (error) {
          throw asStoreError(error, 'closing the LMDB environment');
        }
      })();
    }
    return this.closing;
  }

  // ---- internals ------------------------------------------------------------------

  private assertOpen(): void {
    if (this.queue.isClosed) throw closedError();
  }

  /**
   * One queued write: `body` runs synchronously inside an LMDB child transaction, so a throw
   * anywhere in it (a failed check, a refused append) aborts every write it made. A plain
   * `transaction()` callback that throws still commits what it wrote before the throw.
   */
  private write(what: string, body: () => void): Promise<void> {
    return this.queue.run(async () => {
      try {
        await this.root.childTransaction(body);
        // With lmdb-js's default overlapping sync a transaction resolves once visible; wait until it is on disk.
        if (this.durable) await this.root.flushed;
      } catch (error) {
        throw asStoreError(error, what);
      }
    });
  }

  private appendBlock(block: StoredBlock): void {
    const key = u64be(block.height);
    // Heights arrive in order after the tip (the checks guarantee it), so MDB_APPEND applies.
    if (!putSync(this.t.blocks, key, encodeBlockValue(block), true)) {
      throw new StoreError(
        'store.corrupt',
        `a block is stored above height ${block.height - 1} but not in the tip`,
        {
          height: block.height,
        },
      );
    }
    put(this.t.blockHashes, block.hash, key);
  }

  private putProof(proof: CommitProof): void {
    putInOrder(this.t.commitProofs, u64be(proof.header.height), encodeCommitProof(proof));
  }

  private readTip(): TrustedPoint | undefined {
    const fast = transientBytes(this.t.meta, META_KEYS.tip);
    if (!fast) return undefined;
    const cached = this.tipCache;
    if (cached && bytesEqual(cached.raw, fast)) return cached.point;
    // getBinaryFast's buffer is reused by the next read: decode from a copy we own.
    const raw = fast.slice();
    const point = decodeStored('tip', raw, (v) => decodeTrustedPoint(v, this.limits));
    this.tipCache = { raw, point };
    return point;
  }

  /**
   * One cursor over one snapshot: the blocks yielded are those committed when iteration
   * began. Open cursors are tracked so close() can finish them before the environment goes
   * (LMDB must not close with a cursor open), and every step checks the store is still open.
   */
  private *blocksBetween(fromHeight: number, toHeight: number): Generator<StoredBlock> {
    this.assertOpen();
    const range = this.t.blocks.getRange({
      start: u64be(fromHeight),
      end: u64be(toHeight),
      inclusiveEnd: true,
    });
    const cursor = range[Symbol.iterator]();
    this.openCursors.add(cursor);
    try {
      for (;;) {
        this.assertOpen();
        const next = cursor.next();
        if (next.done) return;
        yield decodeBlockValue(readU64be(next.value.key), asBytes(next.value.value));
      }
    } finally {
      this.openCursors.delete(cursor);
      cursor.return?.(); // idempotent in lmdb-js: a no-op when close() already finished it
    }
  }

  private readBase(): StoreBase | undefined {
    const value = this.t.meta.getBinary(META_KEYS.base);
    return value && decodeStored('base', asBytes(value), decodeStoreBase);
  }

  private readHashAt(height: number): Hash | undefined {
    const value = transientBytes(this.t.blocks, u64be(height));
    if (value) return decodeBlockValue(height, value).hash.slice(); // a copy: `value` is reused
    const base = this.readBase();
    return base && base.height === height ? base.hash : undefined;
  }

  private readCheckpoint(): Checkpoint | undefined {
    const value = this.t.meta.getBinary(META_KEYS.checkpoint);
    return value && decodeStored('checkpoint', asBytes(value), decodeCheckpoint);
  }

  private chunkKeys(stateRoot: Hash): Uint8Array[] {
    if (stateRoot.length !== HASH_LENGTH) return [];
    const keys: Uint8Array[] = [];
    for (const key of this.t.snapshotChunks.getKeys({ start: chunkKey(stateRoot, 0) })) {
      if (key.length !== CHUNK_KEY_LENGTH || !bytesEqual(key.subarray(0, HASH_LENGTH), stateRoot)) break;
      keys.push(key);
    }
    return keys;
  }
}

// ---- table helpers (valid inside a write transaction only) --------------------------

/**
 * lmdb-js's typings declare `putSync` as void, but it returns false when LMDB refuses the
 * write (an MDB_APPEND whose key is not after the last one; checked against lmdb 3.5.6).
 */
function putSync(table: Table, key: Uint8Array, value: Uint8Array, append: boolean): boolean {
  const ok = table.putSync(key, value, append ? { append: true } : {}) as unknown;
  return ok !== false;
}

/**
 * A value without copying it out of lmdb-js (getBinaryFast), valid only until the next read:
 * copy what must be kept. lmdb-js hands out its whole reusable buffer with a `length`
 * property set to the value's size, so the view is cut to that length here.
 */
function transientBytes(table: Table, key: Uint8Array): Uint8Array | undefined {
  const buffer = table.getBinaryFast(key);
  return buffer && new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

function put(table: Table, key: Uint8Array, value: Uint8Array): void {
  if (!putSync(table, key, value, false)) throw new StoreError('store.io', 'LMDB refused a write');
}

/** Appends when `key` sorts after every key in `table` (most writes), else a plain put. */
function putInOrder(table: Table, key: Uint8Array, value: Uint8Array): void {
  const last = lastKey(table);
  const append = last === undefined || compareBytes(key, last) > 0;
  if (!putSync(table, key, value, append)) throw new StoreError('store.io', 'LMDB refused a write');
}

function remove(table: Table, key: Uint8Array): void {
  table.removeSync(key);
}

function lastKey(table: Table): Uint8Array | undefined {
  for (const key of table.getKeys({ reverse: true, limit: 1 })) return key;
  return undefined;
}

function keysAfter(table: Table, start: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const key of table.getKeys({ start })) if (compareBytes(key, start) > 0) keys.push(key);
  return keys;
}
