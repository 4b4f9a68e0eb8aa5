import {
  decodeCommitProof,
  decodeValidatorSet,
  encodeCommitProof,
  encodeValidatorSet,
} from '../chain/codec.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import type { CommitProof, Hash, ValidatorSet } from '../chain/types.js';
import { assertSafeU64, compareBytes, toHex } from '../encoding/bytes.js';
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
import { checkRangeRequest } from './range-request.js';
import {
  decodeCheckpoint,
  decodePeerBan,
  decodeStoredSnapshot,
  decodeTrustedPoint,
  encodeCheckpoint,
  encodePeerBan,
  encodeStoredSnapshot,
  encodeTrustedPoint,
  peerIdBytes,
  type StoreBase,
} from './records.js';
import {
  type CommittedState,
  checkBatch,
  checkChunkAddress,
  checkCommitProof,
  checkInitialize,
  checkRebase,
  checkRollback,
} from './validation.js';
import { closedError, WriteQueue } from './write-queue.js';

export interface MemoryChainStoreOptions {
  /** Limits for the canonical round trip of commit proofs and validator sets (default: the codec's). */
  readonly limits?: CodecLimits;
}

/**
 * The in-memory chain store: the LMDB store's contract on maps, for tests and simnet.
 * Writes are queued and applied asynchronously, each in one synchronous step, so readers
 * never see part of one. Everything written is copied (records go through their canonical
 * encoding and back), so a caller reusing its buffers cannot change what was stored, and
 * the same inputs are refused as by the LMDB store. Returned arrays are never reused: treat
 * them as read-only.
 */
export class MemoryChainStore implements ChainStore {
  private readonly queue = new WriteQueue();
  private readonly limits: CodecLimits;
  private currentTip: TrustedPoint | undefined;
  private currentBase: StoreBase | undefined;
  private currentCheckpoint: Checkpoint | undefined;
  private readonly blocks = new Map<number, StoredBlock>();
  /** Hex of a block hash -> its height. */
  private readonly heightsByHash = new Map<string, number>();
  private readonly proofs = new Map<number, CommitProof>();
  private latestProofHeight: number | undefined;
  private readonly sets = new Map<number, ValidatorSet>();
  /** Keyed by the peer id; sorted by its UTF-8 bytes on read, as LMDB orders them. */
  private readonly peerBans = new Map<PeerId, PeerBan>();
  /** Hex of a state root -> its snapshot, and -> its chunks by index. */
  private readonly snapshotsByRoot = new Map<string, StoredSnapshot>();
  private readonly chunks = new Map<string, Map<number, Uint8Array>>();

  private readonly committed: CommittedState = {
    tip: () => this.currentTip,
    base: () => this.currentBase,
    hashAt: (height) => {
      const block = this.blocks.get(height);
      if (block) return block.hash;
      return this.currentBase?.height === height ? this.currentBase.hash : undefined;
    },
  };

  constructor(options: MemoryChainStoreOptions = {}) {
    this.limits = options.limits ?? DEFAULT_CODEC_LIMITS;
  }

  // ---- reads ----------------------------------------------------------------------

  tip(): TrustedPoint | undefined {
    this.assertOpen();
    return this.currentTip;
  }

  base(): number | undefined {
    this.assertOpen();
    return this.currentBase?.height;
  }

  blockBytes(height: number): Uint8Array | undefined {
    this.assertOpen();
    assertSafeU64(height, 'height');
    return this.blocks.get(height)?.bytes;
  }

  blockRangeBytes(fromHeight: number, maxCount: number, maxBytes?: number): Uint8Array[] {
    this.assertOpen();
    const byteLimit = checkRangeRequest(fromHeight, maxCount, maxBytes);
    const out: Uint8Array[] = [];
    let total = 0;
    for (let height = fromHeight; out.length < maxCount; height++) {
      const block = this.blocks.get(height);
      if (!block) break;
      if (out.length > 0 && total + block.bytes.length > byteLimit) break;
      out.push(block.bytes);
      total += block.bytes.length;
    }
    return out;
  }

  iterateBlocks(fromHeight: number, toHeight: number): Iterable<StoredBlock> {
    this.assertOpen();
    assertSafeU64(fromHeight, 'fromHeight');
    assertSafeU64(toHeight, 'toHeight');
    const blocks = this.blocks;
    const bounds = () => ({
      from: Math.max(fromHeight, this.currentBase?.height ?? 0),
      to: Math.min(toHeight, this.currentTip?.height ?? -1),
    });
    const assertOpen = () => this.assertOpen();
    return {
      *[Symbol.iterator]() {
        // Clamped to what is stored when iteration begins, so a huge `toHeight` costs nothing.
        const { from, to } = bounds();
        for (let height = from; height <= to; height++) {
          assertOpen();
          const block = blocks.get(height);
          if (block) yield block;
        }
      },
    };
  }

  heightOfHash(hash: Hash): number | undefined {
    this.assertOpen();
    return this.heightsByHash.get(toHex(hash));
  }

  commitProof(height: number): CommitProof | undefined {
    this.assertOpen();
    assertSafeU64(height, 'height');
    return this.proofs.get(height);
  }

  latestCommitProofHeight(): number | undefined {
    this.assertOpen();
    return this.latestProofHeight;
  }

  validatorSet(epoch: number): ValidatorSet | undefined {
    this.assertOpen();
    assertSafeU64(epoch, 'epoch');
    return this.sets.get(epoch);
  }

  checkpoint(): Checkpoint | undefined {
    this.assertOpen();
    return this.currentCheckpoint;
  }

  bans(): PeerBan[] {
    this.assertOpen();
    const encoder = new TextEncoder();
    return [...this.peerBans.values()]
      .map((ban) => ({ ban, key: encoder.encode(ban.peer) }))
      .sort((a, b) => compareBytes(a.key, b.key))
      .map(({ ban }) => ban);
  }

  snapshotChunk(stateRoot: Hash, index: number): Uint8Array | undefined {
    this.assertOpen();
    checkChunkAddress(stateRoot, index);
    return this.chunks.get(toHex(stateRoot))?.get(index);
  }

  snapshotChunkIndices(stateRoot: Hash): number[] {
    this.assertOpen();
    return [...(this.chunks.get(toHex(stateRoot))?.keys() ?? [])].sort((a, b) => a - b);
  }

  snapshots(): StoredSnapshot[] {
    this.assertOpen();
    return [...this.snapshotsByRoot.values()].sort(
      (a, b) => a.height - b.height || compareBytes(a.stateRoot, b.stateRoot),
    );
  }

  // ---- writes ---------------------------------------------------------------------

  initialize(tip: TrustedPoint, anchorBlock?: StoredBlock): Promise<void> {
    return this.queue.run(() => {
      checkInitialize(this.committed, tip, anchorBlock);
      const ownTip = this.ownTip(tip);
      const anchor = anchorBlock && ownBlock(anchorBlock);
      const set = this.ownSet(tip.validatorSet);
      this.currentBase = { height: ownTip.height, hash: ownTip.hash };
      if (anchor) this.addBlock(anchor);
      this.sets.set(set.epoch, set);
      this.currentTip = ownTip;
    });
  }

  commitBatch(batch: BlockBatch): Promise<void> {
    return this.queue.run(() => {
      checkBatch(this.committed, batch);
      // Copy and encode everything first: a refused record must leave the store untouched.
      const blocks = batch.blocks.map(ownBlock);
      const proof = batch.commitProof && this.ownProof(batch.commitProof);
      const sets = (batch.validatorSets ?? []).map((s) => this.ownSet(s));
      const checkpoint = batch.checkpoint && decodeCheckpoint(encodeCheckpoint(batch.checkpoint));
      const tip = this.ownTip(batch.tip);
      for (const block of blocks) this.addBlock(block);
      if (proof) this.addProof(proof);
      for (const set of sets) this.sets.set(set.epoch, set);
      if (checkpoint) this.currentCheckpoint = checkpoint;
      this.currentTip = tip;
    });
  }

  putCommitProof(proof: CommitProof): Promise<void> {
    return this.queue.run(() => {
      checkCommitProof(this.committed, proof);
      this.addProof(this.ownProof(proof));
    });
  }

  rebase(tip: TrustedPoint, baseBlock: StoredBlock, commitProof?: CommitProof): Promise<void> {
    return this.queue.run(() => {
      checkRebase(this.committed, tip, baseBlock, commitProof);
      const ownTip = this.ownTip(tip);
      const block = ownBlock(baseBlock);
      const proof = commitProof && this.ownProof(commitProof);
      const set = this.ownSet(tip.validatorSet);
      this.blocks.clear();
      this.heightsByHash.clear();
      this.proofs.clear();
      this.latestProofHeight = undefined;
      this.currentCheckpoint = undefined;
      this.currentBase = { height: ownTip.height, hash: ownTip.hash };
      this.addBlock(block);
      if (proof) this.addProof(proof);
      this.sets.set(set.epoch, set);
      this.currentTip = ownTip;
    });
  }

  rollbackTo(height: number, tip: TrustedPoint): Promise<void> {
    return this.queue.run(() => {
      checkRollback(this.committed, height, tip);
      const ownTip = this.ownTip(tip);
      for (let h = height + 1; h <= this.currentTip!.height; h++) {
        const block = this.blocks.get(h);
        if (block) this.heightsByHash.delete(toHex(block.hash));
        this.blocks.delete(h);
      }
      for (const h of [...this.proofs.keys()]) if (h > height) this.proofs.delete(h);
      this.latestProofHeight = maxKey(this.proofs);
      // Sets of epochs after the tip's were learned from the removed blocks.
      for (const epoch of [...this.sets.keys()])
        if (epoch > ownTip.validatorSet.epoch) this.sets.delete(epoch);
      // A checkpoint above the new tip points at blocks that are gone: resume from the tip instead.
      if (this.currentCheckpoint && this.currentCheckpoint.height > height)
        this.currentCheckpoint = undefined;
      this.currentTip = ownTip;
    });
  }

  putBan(ban: PeerBan): Promise<void> {
    return this.queue.run(() => {
      const own = decodePeerBan(encodePeerBan(ban));
      this.peerBans.set(own.peer, own);
    });
  }

  removeBan(peer: PeerId): Promise<void> {
    return this.queue.run(() => {
      peerIdBytes(peer); // same argument checks as the LMDB store
      this.peerBans.delete(peer);
    });
  }

  putSnapshotChunk(stateRoot: Hash, index: number, data: Uint8Array): Promise<void> {
    return this.queue.run(() => {
      checkChunkAddress(stateRoot, index);
      const root = toHex(stateRoot);
      let chunks = this.chunks.get(root);
      if (!chunks) {
        chunks = new Map();
        this.chunks.set(root, chunks);
      }
      chunks.set(index, data.slice());
    });
  }

  putSnapshot(snapshot: StoredSnapshot): Promise<void> {
    return this.queue.run(() => {
      const own = decodeStoredSnapshot(encodeStoredSnapshot(snapshot));
      this.snapshotsByRoot.set(toHex(own.stateRoot), own);
    });
  }

  deleteSnapshot(stateRoot: Hash): Promise<void> {
    return this.queue.run(() => {
      if (stateRoot.length !== HASH_LENGTH) return;
      const root = toHex(stateRoot);
      this.snapshotsByRoot.delete(root);
      this.chunks.delete(root);
    });
  }

  /** Refuses new calls, waits for queued writes, then drops everything. Idempotent. */
  async close(): Promise<void> {
    await this.queue.close();
    this.blocks.clear();
    this.heightsByHash.clear();
    this.proofs.clear();
    this.sets.clear();
    this.peerBans.clear();
    this.snapshotsByRoot.clear();
    this.chunks.clear();
  }

  // ---- internals ------------------------------------------------------------------

  private assertOpen(): void {
    if (this.queue.isClosed) throw closedError();
  }

  private addBlock(block: StoredBlock): void {
    this.blocks.set(block.height, block);
    this.heightsByHash.set(toHex(block.hash), block.height);
  }

  private addProof(proof: CommitProof): void {
    const height = proof.header.height;
    this.proofs.set(height, proof);
    if (this.latestProofHeight === undefined || height > this.latestProofHeight)
      this.latestProofHeight = height;
  }

  private ownTip(tip: TrustedPoint): TrustedPoint {
    return decodeTrustedPoint(encodeTrustedPoint(tip), this.limits);
  }

  private ownProof(proof: CommitProof): CommitProof {
    return decodeCommitProof(encodeCommitProof(proof), this.limits);
  }

  private ownSet(set: ValidatorSet): ValidatorSet {
    return decodeValidatorSet(encodeValidatorSet(set), this.limits);
  }
}

function ownBlock(block: StoredBlock): StoredBlock {
  return { height: block.height, hash: block.hash.slice(), bytes: block.bytes.slice() };
}

function maxKey(map: Map<number, unknown>): number | undefined {
  let max: number | undefined;
  for (const key of map.keys()) if (max === undefined || key > max) max = key;
  return max;
}
