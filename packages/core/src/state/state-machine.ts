import type { Hash, SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { assertSafeU64, bytesEqual, toHex } from '../encoding/bytes.js';
import {
  DecodeError,
  InvalidArgumentError,
  SnapshotError,
  StateExecutionError,
  StoreError,
} from '../errors.js';
import { ZERO_HASH } from '../hashing.js';
import type {
  ExecutableBlock,
  ExportedSnapshot,
  RootSchedule,
  SnapshotImport,
  StateMachine,
} from '../interfaces/state-machine.js';
import { type Generation, otherGeneration, type StateBackend, type StateWrite } from './backend.js';
import type { MemoryStateBackend } from './backend-memory.js';
import { assertTreeDepth, bucketOf, copyBytes, DEFAULT_TREE_DEPTH } from './bucket.js';
import { stateSnapshotFormat } from './chunk-codec.js';
import { executeStateTx } from './executor.js';
import {
  decodeImportRecord,
  decodeStateMeta,
  encodeImportRecord,
  encodeStateMeta,
  importedChunkIndex,
  MetaKey,
  type StateMeta,
} from './meta.js';
import { StateSnapshotExport } from './snapshot-export.js';
import { type ImportedState, type ImportHost, StateSnapshotImport } from './snapshot-import.js';
import { checkManifest, verifyStateChunk } from './snapshot-verify.js';
import { BucketTree } from './tree.js';
import { decodeStateTx, type StateTx } from './tx-codec.js';
import { decodeUndoRecord } from './undo.js';
import { WorkingSet } from './working-set.js';

/** Size of the live state. */
export interface StateStats {
  readonly entries: number;
  /** Sum of the entries' encoded lengths (8 + key + value each). */
  readonly bytes: number;
  readonly depth: number;
}

/**
 * The reference state machine (DESIGN §2): a Merkle key-value store whose root is a
 * fixed-depth bucketed Merkle tree (see `state/README.md`). The same class runs over LMDB
 * or over memory; build it with `openLmdbStateMachine` or `createMemoryStateMachine`.
 *
 * Every change (applyBlocks, rollbackTo, prune, import steps) runs one at a time, collects
 * its writes in memory and persists them in one atomic backend commit before the
 * in-memory tree and meta move: a failure at any point leaves the previous state, on disk
 * and in memory.
 */
export class MerkleKvStateMachine implements StateMachine {
  readonly snapshotFormat: number;
  readonly depth: number;
  private meta: StateMeta;
  private tree: BucketTree;
  /** Bumped when a change starts persisting: exports check it to detect a changed state. */
  private version = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private activeImport: StateSnapshotImport | undefined;
  private readonly importHost: ImportHost;

  private constructor(
    private readonly backend: StateBackend,
    meta: StateMeta,
    tree: BucketTree,
  ) {
    this.meta = meta;
    this.tree = tree;
    this.depth = meta.depth;
    this.snapshotFormat = stateSnapshotFormat(meta.depth);
    this.importHost = {
      depth: this.depth,
      backend,
      exclusive: (fn) => this.exclusive(fn),
      adopt: (state) => this.adoptImport(state),
      discard: (staging) => this.discardImport(staging),
    };
  }

  /**
   * Opens the state kept by `backend`, or starts an empty one (height 0, zero root) when
   * it holds none. `depth` must match a stored state's depth (default: the stored one, or 16).
   */
  static async open(
    backend: StateBackend,
    options: { readonly depth?: number } = {},
  ): Promise<MerkleKvStateMachine> {
    const { machine, writes } = MerkleKvStateMachine.load(backend, options.depth);
    if (writes.length > 0) await backend.commit(writes);
    if (machine.hasImportLeftovers()) await backend.clearGeneration(otherGeneration(machine.meta.live));
    return machine;
  }

  /**
   * Synchronous open over memory, whose `commit` completes before it returns: the
   * simulator builds state machines without awaiting.
   */
  static openSync(
    backend: MemoryStateBackend,
    options: { readonly depth?: number } = {},
  ): MerkleKvStateMachine {
    const { machine, writes } = MerkleKvStateMachine.load(backend, options.depth);
    if (writes.length > 0) void backend.commit(writes);
    if (machine.hasImportLeftovers()) void backend.clearGeneration(otherGeneration(machine.meta.live));
    return machine;
  }

  /** Staging data no import record claims: an import that finished or aborted half-way through its cleanup. */
  private hasImportLeftovers(): boolean {
    return (
      this.backend.getMeta(MetaKey.import) === undefined &&
      this.backend.hasData(otherGeneration(this.meta.live))
    );
  }

  private static load(
    backend: StateBackend,
    depth: number | undefined,
  ): { machine: MerkleKvStateMachine; writes: StateWrite[] } {
    if (depth !== undefined) assertTreeDepth(depth);
    const stored = backend.getMeta(MetaKey.state);
    if (stored === undefined) {
      const meta: StateMeta = {
        depth: depth ?? DEFAULT_TREE_DEPTH,
        live: 0,
        height: 0,
        root: copyBytes(ZERO_HASH),
        rollbackFloor: 0,
        entryCount: 0,
        entryBytes: 0,
      };
      const machine = new MerkleKvStateMachine(backend, meta, BucketTree.empty(meta.depth));
      return { machine, writes: [{ kind: 'put-meta', key: MetaKey.state, value: encodeStateMeta(meta) }] };
    }
    const meta = decodeStateMeta(stored);
    assertTreeDepth(meta.depth);
    if (depth !== undefined && depth !== meta.depth) {
      throw new InvalidArgumentError(
        'arg.invalid',
        `the stored state uses a depth-${meta.depth} tree; it cannot be opened with depth ${depth}`,
      );
    }
    const tree = BucketTree.fromBuckets(meta.depth, backend.bucketHashes(meta.live));
    if (!bytesEqual(tree.root(), meta.root)) {
      throw new StoreError(
        'store.corrupt',
        `the stored bucket hashes fold to ${toHex(tree.root()).slice(0, 16)}…, not the recorded root ${toHex(meta.root).slice(0, 16)}…`,
      );
    }
    return { machine: new MerkleKvStateMachine(backend, meta, tree), writes: [] };
  }

  height(): number {
    return this.meta.height;
  }

  root(): Hash {
    return copyBytes(this.meta.root);
  }

  stats(): StateStats {
    return { entries: this.meta.entryCount, bytes: this.meta.entryBytes, depth: this.depth };
  }

  /** The live value of `key` (a copy), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    const value = this.backend.getEntry(this.meta.live, bucketOf(key, this.depth), key);
    return value === undefined ? undefined : copyBytes(value);
  }

  applyBlocks(blocks: readonly ExecutableBlock[], roots: RootSchedule): Promise<Hash[]> {
    return this.exclusive(async () => {
      if (roots !== 'each' && roots !== 'last') {
        throw new InvalidArgumentError(
          'arg.invalid',
          `root schedule must be 'each' or 'last', got ${String(roots)}`,
        );
      }
      const start = this.meta.height;
      blocks.forEach((block, i) => {
        if (block.height !== start + 1 + i) {
          throw new StateExecutionError(
            'state.height-gap',
            `block ${i} of the call has height ${block.height}; the state is at ${start}, so ${start + 1 + i} was expected`,
            { height: block.height },
          );
        }
      });
      if (blocks.length === 0) return [];

      const ws = new WorkingSet(this.backend, this.meta.live, this.depth, this.tree);
      const writes: StateWrite[] = [];
      const out: Hash[] = [];
      for (const block of blocks) {
        ws.beginBlock();
        const txs = block.transactions;
        for (let index = 0; index < txs.length; index++) executeOne(ws, txs[index]!, block.height, index);
        writes.push({ kind: 'put-undo', height: block.height, record: ws.endBlock() });
        if (roots === 'each') out.push(ws.root());
      }
      if (roots === 'last') out.push(ws.root());
      const size = ws.sizeDelta;
      const meta: StateMeta = {
        ...this.meta,
        height: start + blocks.length,
        root: out[out.length - 1]!,
        entryCount: this.meta.entryCount + size.entries,
        entryBytes: this.meta.entryBytes + size.bytes,
      };
      await this.persist([...ws.writes(), ...writes], meta);
      this.tree.apply(ws.treeUpdate);
      return out.map(copyBytes);
    });
  }

  rollbackTo(height: number): Promise<void> {
    return this.exclusive(async () => {
      assertSafeU64(height, 'height');
      const current = this.meta.height;
      if (height > current) {
        throw new InvalidArgumentError(
          'arg.out-of-range',
          `cannot roll back to ${height}: the state is at ${current}`,
        );
      }
      if (height === current) return;
      if (height < this.meta.rollbackFloor) {
        throw new StateExecutionError(
          'state.rollback-unavailable',
          `cannot roll back to ${height}: undo data exists only above ${this.meta.rollbackFloor}`,
          { height },
        );
      }
      const ws = new WorkingSet(this.backend, this.meta.live, this.depth, this.tree);
      const writes: StateWrite[] = [];
      // Newest first: the value a key ends with is the one before the oldest undone block that changed it.
      for (let h = current; h > height; h--) {
        const record = this.backend.getUndo(h);
        if (record === undefined)
          throw new StoreError('store.corrupt', `undo record of height ${h} is missing`);
        for (const { key, previous } of decodeUndoRecord(record, h)) ws.set(key, previous);
        writes.push({ kind: 'delete-undo', height: h });
      }
      const root = ws.root();
      const size = ws.sizeDelta;
      await this.persist([...ws.writes(), ...writes], {
        ...this.meta,
        height,
        root,
        entryCount: this.meta.entryCount + size.entries,
        entryBytes: this.meta.entryBytes + size.bytes,
      });
      this.tree.apply(ws.treeUpdate);
    });
  }

  prune(height: number): Promise<void> {
    return this.exclusive(async () => {
      assertSafeU64(height, 'height');
      // Undo data of blocks not applied yet does not exist: pruning stops at the current height.
      const upTo = Math.min(height, this.meta.height);
      if (upTo <= this.meta.rollbackFloor) return;
      const writes: StateWrite[] = this.backend
        .undoHeights(0, upTo)
        .map((h): StateWrite => ({ kind: 'delete-undo', height: h }));
      const meta = { ...this.meta, rollbackFloor: upTo };
      writes.push({ kind: 'put-meta', key: MetaKey.state, value: encodeStateMeta(meta) });
      // The content does not change, so exports stay valid: no version bump.
      await this.backend.commit(writes);
      this.meta = meta;
    });
  }

  exportSnapshot(options: { readonly chunkBytes: number }): Promise<ExportedSnapshot> {
    return this.exclusive(() => {
      const version = this.version;
      const meta = this.meta;
      return new StateSnapshotExport(
        {
          depth: this.depth,
          height: meta.height,
          stateRoot: copyBytes(meta.root),
          entryBytes: meta.entryBytes,
          check: () => {
            this.assertOpen();
            if (this.version !== version) {
              // The live root is no longer the exported one: chunks read now would not fold to it.
              throw new SnapshotError(
                'snapshot.root-mismatch',
                `the state changed since the snapshot at height ${meta.height} was exported: export again`,
              );
            }
          },
          entries: (first, last) => this.backend.rangeEntries(meta.live, first, last),
          proof: (first, last) => this.tree.rangeProof(first, last),
        },
        options.chunkBytes,
      );
    });
  }

  verifyChunk(manifest: SnapshotManifest, chunk: SnapshotChunk): void {
    verifyStateChunk(this.depth, manifest, chunk);
  }

  beginImport(manifest: SnapshotManifest): Promise<SnapshotImport> {
    return this.exclusive(async () => {
      checkManifest(this.depth, manifest);
      assertSafeU64(manifest.height, 'manifest height');
      this.activeImport?.close();
      this.activeImport = undefined;
      const staging = otherGeneration(this.meta.live);
      const stored = this.backend.getMeta(MetaKey.import);
      const record = stored === undefined ? undefined : decodeImportRecord(stored);
      const imported = new Set<number>();
      if (record && record.staging === staging && sameManifest(record.manifest, manifest)) {
        // The same snapshot again (e.g. after a restart): keep what was already imported.
        for (const { key } of this.backend.metaWithPrefix(MetaKey.importedChunkPrefix)) {
          imported.add(importedChunkIndex(key));
        }
      } else {
        // Progress records go first: if the clearing below is interrupted, nothing claims the leftovers.
        await this.discardImport(staging);
        await this.backend.commit([
          { kind: 'put-meta', key: MetaKey.import, value: encodeImportRecord({ staging, manifest }) },
        ]);
      }
      const imp = new StateSnapshotImport(this.importHost, manifest, staging, imported);
      this.activeImport = imp;
      return imp;
    });
  }

  /** Waits for pending changes, then closes the backend. Later changes throw `state.closed`. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.tail.then(async () => {
        this.closed = true;
        this.activeImport?.close();
        await this.backend.close();
      });
      this.tail = this.closing.catch(() => undefined);
    }
    return this.closing;
  }

  private async adoptImport(state: ImportedState): Promise<void> {
    const old = this.meta.live;
    const meta: StateMeta = {
      depth: this.depth,
      live: state.staging,
      height: state.manifest.height,
      root: state.tree.root(),
      rollbackFloor: state.manifest.height,
      entryCount: state.entryCount,
      entryBytes: state.entryBytes,
    };
    await this.persist(
      [
        { kind: 'delete-all-undo' },
        { kind: 'delete-meta', key: MetaKey.import },
        { kind: 'delete-meta-prefix', prefix: MetaKey.importedChunkPrefix },
      ],
      meta,
    );
    this.tree = state.tree;
    this.activeImport = undefined;
    try {
      await this.backend.clearGeneration(old);
    } catch {
      // The import is complete and live; the old generation is garbage that the next open
      // or import clears, so a failure to drop it now must not fail the import.
    }
  }

  private async discardImport(staging: Generation): Promise<void> {
    await this.backend.commit([
      { kind: 'delete-meta', key: MetaKey.import },
      { kind: 'delete-meta-prefix', prefix: MetaKey.importedChunkPrefix },
    ]);
    await this.backend.clearGeneration(staging);
  }

  /** Writes `writes` and the new meta in one commit, then makes `meta` current. */
  private async persist(writes: StateWrite[], meta: StateMeta): Promise<void> {
    writes.push({ kind: 'put-meta', key: MetaKey.state, value: encodeStateMeta(meta) });
    this.version++;
    await this.backend.commit(writes);
    this.meta = meta;
  }

  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(() => {
      this.assertOpen();
      return fn();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new StateExecutionError('state.closed', 'the state machine is closed');
  }
}

function executeOne(ws: WorkingSet, bytes: Uint8Array, height: number, index: number): void {
  let tx: StateTx;
  try {
    tx = decodeStateTx(bytes);
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new StateExecutionError(
        'state.invalid-transaction',
        `block ${height}, transaction ${index}: ${err.message}`,
        { height, transactionIndex: index },
      );
    }
    throw err;
  }
  const outcome = executeStateTx(ws, tx);
  if (!outcome.ok) {
    throw new StateExecutionError(
      'state.execution-failed',
      `block ${height}, transaction ${index}: ${outcome.reason}`,
      {
        height,
        transactionIndex: index,
      },
    );
  }
}

function sameManifest(a: SnapshotManifest, b: SnapshotManifest): boolean {
  return (
    a.height === b.height &&
    a.format === b.format &&
    a.chunkCount === b.chunkCount &&
    a.totalBytes === b.totalBytes &&
    bytesEqual(a.blockHash, b.blockHash) &&
    bytesEqual(a.stateRoot, b.stateRoot)
  );
}
