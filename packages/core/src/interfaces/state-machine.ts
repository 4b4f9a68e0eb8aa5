import type { Hash, SnapshotChunk, SnapshotManifest } from '../chain/types.js';

/** What a state machine needs of a block to execute it. */
export interface ExecutableBlock {
  readonly height: number;
  readonly transactions: readonly Uint8Array[];
}

/** `each`: a root after every block (full verification); `last`: one root for the range (anchored). */
export type RootSchedule = 'each' | 'last';

/** A snapshot of the state at one height, as the serving side exports it. */
export interface ExportedSnapshot {
  readonly height: number;
  readonly stateRoot: Hash;
  readonly format: number;
  readonly chunkCount: number;
  readonly totalBytes: number;
  /** Chunks in index order. */
  chunks(): AsyncIterable<SnapshotChunk>;
}

/**
 * Receives a snapshot's chunks in any order, each verified against the manifest's root
 * before it is kept, and checks the complete state at `finish()`.
 */
export interface SnapshotImport {
  /** Verifies and stores one chunk; throws SnapshotError (the state is untouched) when it does not verify. */
  addChunk(chunk: SnapshotChunk): Promise<void>;
  /** Indices not received yet, ascending. */
  missingChunks(): number[];
  /** Makes the imported state current at the manifest's height after checking its root; throws SnapshotError otherwise. */
  finish(): Promise<void>;
  /** Drops everything imported so far. */
  abort(): Promise<void>;
}

/**
 * The application state behind the chain (DESIGN §2). The reference implementation is a
 * Merkle key-value store on LMDB; consensus implementers plug in their own.
 */
export interface StateMachine {
  /** Identifies the snapshot chunk format; a manifest of another format is refused. */
  readonly snapshotFormat: number;
  /** Height of the last applied block (the anchor's height before any). */
  height(): number;
  /** Root of the current state. */
  root(): Hash;
  /**
   * Executes blocks in order, continuing from `height() + 1`. Atomic per call: when any
   * transaction fails, nothing of the call is applied and a StateExecutionError names the
   * block and transaction. Returns one root per block (`each`) or one for the last (`last`).
   */
  applyBlocks(blocks: readonly ExecutableBlock[], roots: RootSchedule): Promise<Hash[]>;
  /** Undoes applied blocks above `height`; only heights above the last `prune` can be undone. */
  rollbackTo(height: number): Promise<void>;
  /** Forgets undo data at and below `height` (committed blocks never roll back). */
  prune(height: number): Promise<void>;
  /** Snapshot of the current state in chunks of about `chunkBytes` bytes. */
  exportSnapshot(options: { readonly chunkBytes: number }): Promise<ExportedSnapshot>;
  /** Verifies one chunk against a root without keeping it; throws SnapshotError. */
  verifyChunk(manifest: SnapshotManifest, chunk: SnapshotChunk): void;
  /** Starts importing the snapshot the (already trusted) manifest describes. */
  beginImport(manifest: SnapshotManifest): Promise<SnapshotImport>;
}
