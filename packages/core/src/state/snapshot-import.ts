import type { SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { bytesEqual, toHex } from '../encoding/bytes.js';
import { SnapshotError, StateExecutionError } from '../errors.js';
import type { SnapshotImport } from '../interfaces/state-machine.js';
import type { Generation, StateBackend, StateWrite } from './backend.js';
import { decodeImportedChunk, encodeImportedChunk, importedChunkKey, MetaKey } from './meta.js';
import { verifyStateChunk } from './snapshot-verify.js';
import { BucketTree } from './tree.js';

/** The rebuilt state an import hands to its state machine at `finish()`. */
export interface ImportedState {
  readonly staging: Generation;
  readonly manifest: SnapshotManifest;
  readonly tree: BucketTree;
  readonly entryCount: number;
  readonly entryBytes: number;
}

/** What an import needs of its state machine. */
export interface ImportHost {
  readonly depth: number;
  readonly backend: StateBackend;
  /** Runs `fn` after every other pending change of the state machine (one writer at a time). */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Makes the staging generation live (one atomic write) and drops the old one. */
  adopt(state: ImportedState): Promise<void>;
  /** Drops the staging generation and the import's progress records. */
  discard(staging: Generation): Promise<void>;
}

type ImportStatus = 'open' | 'finished' | 'aborted' | 'closed';

/**
 * Fills the staging generation chunk by chunk, in any order. Each chunk is verified
 * against the manifest's root before anything of it is written, and written in one
 * transaction with its progress record, so an interrupted import resumes exactly where it
 * stopped (`beginImport` of the same manifest). The live state is untouched until
 * `finish()` switches generations.
 */
export class StateSnapshotImport implements SnapshotImport {
  private status: ImportStatus = 'open';

  constructor(
    private readonly host: ImportHost,
    readonly manifest: SnapshotManifest,
    private readonly staging: Generation,
    private readonly imported: Set<number>,
  ) {}

  addChunk(chunk: SnapshotChunk): Promise<void> {
    return this.host.exclusive(async () => {
      this.assertOpen();
      const verified = verifyStateChunk(this.host.depth, this.manifest, chunk);
      if (this.imported.has(verified.index)) {
        throw new SnapshotError('snapshot.chunk-index', `chunk ${verified.index} was already imported`);
      }
      const gen = this.staging;
      const writes: StateWrite[] = [];
      for (const { bucket, key, value } of verified.entries)
        writes.push({ kind: 'put-entry', gen, bucket, key, value });
      for (const { bucket, hash } of verified.bucketHashes)
        writes.push({ kind: 'put-bucket-hash', gen, bucket, hash });
      writes.push({
        kind: 'put-meta',
        key: importedChunkKey(verified.index),
        value: encodeImportedChunk({ entryCount: verified.entries.length, entryBytes: verified.entryBytes }),
      });
      await this.host.backend.commit(writes);
      this.imported.add(verified.index);
    });
  }

  missingChunks(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.manifest.chunkCount; i++) if (!this.imported.has(i)) out.push(i);
    return out;
  }

  finish(): Promise<void> {
    return this.host.exclusive(async () => {
      this.assertOpen();
      const missing = this.missingChunks();
      if (missing.length > 0) {
        throw new SnapshotError(
          'snapshot.incomplete',
          `${missing.length} of ${this.manifest.chunkCount} chunks are missing (first: ${missing[0]})`,
        );
      }
      const { backend, depth } = this.host;
      // Every chunk verified on its own; rebuilding the whole tree checks that together they
      // are the state (and catches a staging generation damaged on disk).
      const tree = BucketTree.fromBuckets(depth, backend.bucketHashes(this.staging));
      const root = tree.root();
      if (!bytesEqual(root, this.manifest.stateRoot)) {
        throw new SnapshotError(
          'snapshot.root-mismatch',
          `the imported state's root ${toHex(root).slice(0, 16)}… is not the manifest's ${toHex(this.manifest.stateRoot).slice(0, 16)}…`,
        );
      }
      let entryCount = 0;
      let entryBytes = 0;
      for (const { value } of backend.metaWithPrefix(MetaKey.importedChunkPrefix)) {
        const c = decodeImportedChunk(value);
        entryCount += c.entryCount;
        entryBytes += c.entryBytes;
      }
      await this.host.adopt({ staging: this.staging, manifest: this.manifest, tree, entryCount, entryBytes });
      this.status = 'finished';
    });
  }

  abort(): Promise<void> {
    return this.host.exclusive(async () => {
      if (this.status !== 'open') return;
      this.status = 'aborted';
      await this.host.discard(this.staging);
    });
  }

  /** Called when the state machine closes or another import begins: this object is dead. */
  close(): void {
    if (this.status === 'open') this.status = 'closed';
  }

  private assertOpen(): void {
    if (this.status !== 'open') {
      throw new StateExecutionError('state.closed', `this snapshot import is ${this.status}`);
    }
  }
}
