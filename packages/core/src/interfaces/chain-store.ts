import type { CommitProof, Hash, ValidatorSet } from '../chain/types.js';
import type { PeerId } from './network.js';
import type { TrustedPoint } from './verifier.js';

/** A verified block as the store keeps it: encoded, with its height and recomputed hash. */
export interface StoredBlock {
  readonly height: number;
  readonly hash: Hash;
  readonly bytes: Uint8Array;
}

/** Where sync stood when a batch was written: enough to resume without downloading again. */
export interface Checkpoint {
  readonly height: number;
  readonly hash: Hash;
  readonly atMs: number;
  /** The height sync was heading for, and the strategy driving it. */
  readonly targetHeight: number;
  readonly strategy: string;
}

/**
 * One atomic write (DESIGN §4): consecutive verified blocks after the current tip, the new
 * tip, its commit proof, validator sets learned in the range and the checkpoint that covers
 * them. A reader sees all of it or none of it.
 */
export interface BlockBatch {
  readonly blocks: readonly StoredBlock[];
  /** The new verified tip; its height and hash are those of the last block. */
  readonly tip: TrustedPoint;
  readonly commitProof?: CommitProof;
  readonly validatorSets?: readonly ValidatorSet[];
  readonly checkpoint?: Checkpoint;
}

export interface PeerBan {
  readonly peer: PeerId;
  readonly reason: string;
  readonly sinceMs: number;
  readonly untilMs: number;
}

/** A snapshot a node serves: the manifest fields and where its chunks are kept. */
export interface StoredSnapshot {
  readonly height: number;
  readonly blockHash: Hash;
  readonly stateRoot: Hash;
  readonly format: number;
  readonly chunkCount: number;
  readonly totalBytes: number;
}

/**
 * Everything a node keeps about the chain. LMDB is the default; an in-memory store passes
 * the same contract suite. Reads are synchronous (LMDB reads are memory-mapped); writes are
 * transactions that resolve when durable.
 */
export interface ChainStore {
  /** The verified tip, or undefined in an empty store. */
  tip(): TrustedPoint | undefined;
  /** Lowest stored block height (the anchor, or the snapshot height after a fast sync). */
  base(): number | undefined;
  /** Sets the starting point of an empty store: a trust anchor or a verified snapshot base. */
  initialize(tip: TrustedPoint, anchorBlock?: StoredBlock): Promise<void>;
  blockBytes(height: number): Uint8Array | undefined;
  /** Encoded blocks from `fromHeight`, at most `maxCount` of them and about `maxBytes` (at least one when present): no decoding. */
  blockRangeBytes(fromHeight: number, maxCount: number, maxBytes?: number): Uint8Array[];
  /** Iterates stored blocks in [fromHeight, toHeight], ascending. */
  iterateBlocks(fromHeight: number, toHeight: number): Iterable<StoredBlock>;
  heightOfHash(hash: Hash): number | undefined;
  commitProof(height: number): CommitProof | undefined;
  /** Height of the newest stored commit proof. */
  latestCommitProofHeight(): number | undefined;
  validatorSet(epoch: number): ValidatorSet | undefined;
  checkpoint(): Checkpoint | undefined;
  /** Appends a batch atomically; throws StoreError on a height gap, a write below the tip or a tip mismatch. */
  commitBatch(batch: BlockBatch): Promise<void>;
  /** Stores a commit proof for a block already stored (e.g. a newer proof for the tip). */
  putCommitProof(proof: CommitProof): Promise<void>;
  /**
   * Restarts the chain at a verified block above the tip (after a snapshot import): every
   * stored block and proof is dropped, `baseBlock` becomes base and tip. Validator sets and
   * bans stay. Throws `store.below-tip` unless `tip.height` is above the current tip.
   */
  rebase(tip: TrustedPoint, baseBlock: StoredBlock, commitProof?: CommitProof): Promise<void>;
  /** Removes blocks above `height` (uncommitted ones, on a fork); the block at `height` becomes the tip. */
  rollbackTo(height: number, tip: TrustedPoint): Promise<void>;
  putBan(ban: PeerBan): Promise<void>;
  removeBan(peer: PeerId): Promise<void>;
  bans(): PeerBan[];
  /** Snapshot chunks, kept while importing and for serving. */
  putSnapshotChunk(stateRoot: Hash, index: number, data: Uint8Array): Promise<void>;
  snapshotChunk(stateRoot: Hash, index: number): Uint8Array | undefined;
  snapshotChunkIndices(stateRoot: Hash): number[];
  putSnapshot(snapshot: StoredSnapshot): Promise<void>;
  snapshots(): StoredSnapshot[];
  deleteSnapshot(stateRoot: Hash): Promise<void>;
  close(): Promise<void>;
}
