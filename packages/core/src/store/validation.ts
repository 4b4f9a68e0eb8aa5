import { headerHash } from '../chain/codec.js';
import type { CommitProof, Hash } from '../chain/types.js';
import { assertSafeU64, bytesEqual, toHex } from '../encoding/bytes.js';
import { InvalidArgumentError, StoreError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type { BlockBatch, StoredBlock } from '../interfaces/chain-store.js';
import type { TrustedPoint } from '../interfaces/verifier.js';
import type { StoreBase } from './records.js';

/*
 * The rules every chain store enforces, written once against a read-only view of the
 * committed state, so the LMDB and in-memory stores refuse exactly the same writes with
 * exactly the same codes. Each check runs at the write's turn in the store's write queue.
 */

/** What the checks need to know about the committed state. */
export interface CommittedState {
  tip(): TrustedPoint | undefined;
  base(): StoreBase | undefined;
  /** Hash of the block stored at `height`; at the base, the base hash even when its block is absent. */
  hashAt(height: number): Hash | undefined;
}

function requireTip(state: CommittedState): TrustedPoint {
  const tip = state.tip();
  if (!tip) throw new StoreError('store.not-initialized', 'the chain store has not been initialized');
  return tip;
}

function checkHash(hash: Hash, what: string): void {
  if (hash.length !== HASH_LENGTH) {
    throw new InvalidArgumentError('arg.length', `${what} must be ${HASH_LENGTH} bytes, got ${hash.length}`);
  }
}

function checkBlockShape(block: StoredBlock): void {
  assertSafeU64(block.height, 'block height');
  checkHash(block.hash, `hash of block ${block.height}`);
}

function checkTipMatches(tip: TrustedPoint, height: number, hash: Hash | undefined, what: string): void {
  if (tip.height !== height || hash === undefined || !bytesEqual(tip.hash, hash)) {
    throw new StoreError(
      'store.tip-mismatch',
      `${what}: tip ${tip.height}/${toHex(tip.hash).slice(0, 16)} is not block ${height}/${hash ? toHex(hash).slice(0, 16) : 'none'}`,
      { tipHeight: tip.height, height },
    );
  }
}

export function checkInitialize(state: CommittedState, tip: TrustedPoint, anchorBlock?: StoredBlock): void {
  if (state.tip() !== undefined) {
    throw new StoreError('store.already-initialized', 'the chain store is already initialized');
  }
  assertSafeU64(tip.height, 'tip height');
  checkHash(tip.hash, 'tip hash');
  if (anchorBlock) {
    checkBlockShape(anchorBlock);
    checkTipMatches(tip, anchorBlock.height, anchorBlock.hash, 'initialize');
  }
}

/**
 * The height-ordered checks of one batch: it must start right after the tip, be
 * consecutive, end at `batch.tip`, and carry a commit proof for a block it or the store holds.
 */
export function checkBatch(state: CommittedState, batch: BlockBatch): void {
  const tip = requireTip(state);
  const { blocks } = batch;
  const first = blocks[0];
  if (!first) throw new InvalidArgumentError('arg.empty', 'a batch needs at least one block');
  for (const block of blocks) checkBlockShape(block);
  if (first.height <= tip.height) {
    throw new StoreError(
      'store.below-tip',
      `batch starts at height ${first.height}, at or below the tip ${tip.height} (roll back first)`,
      { height: first.height, tipHeight: tip.height },
    );
  }
  if (first.height !== tip.height + 1) {
    throw new StoreError('store.height-gap', `batch starts at height ${first.height}, tip is ${tip.height}`, {
      height: first.height,
      tipHeight: tip.height,
    });
  }
  for (let i = 1; i < blocks.length; i++) {
    const expected = first.height + i;
    if (blocks[i]!.height !== expected) {
      throw new StoreError(
        'store.height-gap',
        `batch block ${i} has height ${blocks[i]!.height}, expected ${expected}`,
        { height: blocks[i]!.height, expected },
      );
    }
  }
  const last = blocks[blocks.length - 1]!;
  checkTipMatches(batch.tip, last.height, last.hash, 'batch');
  if (batch.commitProof) {
    const height = batch.commitProof.header.height;
    const hash = height >= first.height ? blocks[height - first.height]?.hash : state.hashAt(height);
    checkProofTarget(batch.commitProof, height, hash);
  }
}

/** A commit proof may only be stored for a block the store holds (or for its base). */
export function checkCommitProof(state: CommittedState, proof: CommitProof): void {
  requireTip(state);
  const height = proof.header.height;
  checkProofTarget(proof, height, state.hashAt(height));
}

function checkProofTarget(proof: CommitProof, height: number, storedHash: Hash | undefined): void {
  if (storedHash === undefined) {
    throw new StoreError('store.unknown-height', `no block stored at height ${height} for the commit proof`, {
      height,
    });
  }
  // The stores index proofs by height; a proof of another block at that height would be served as ours.
  if (!bytesEqual(headerHash(proof.header), storedHash)) {
    throw new InvalidArgumentError(
      'arg.invalid',
      `commit proof is for a different block than the one stored at height ${height}`,
    );
  }
}

/** A snapshot chunk's address: a 32-byte state root and a u32 index. */
export function checkChunkAddress(stateRoot: Hash, index: number): void {
  checkHash(stateRoot, 'snapshot state root');
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new InvalidArgumentError('arg.out-of-range', `snapshot chunk index ${index} is not a u32`);
  }
}

/** A rollback keeps the block at `height` (between base and tip) and makes `tip` describe it. */
export function checkRollback(state: CommittedState, height: number, tip: TrustedPoint): void {
  const current = requireTip(state);
  assertSafeU64(height, 'rollback height');
  const base = state.base()!;
  if (height < base.height || height > current.height) {
    throw new StoreError(
      'store.unknown-height',
      `cannot roll back to height ${height}: the store holds ${base.height}..${current.height}`,
      { height, baseHeight: base.height, tipHeight: current.height },
    );
  }
  checkTipMatches(tip, height, state.hashAt(height), 'rollback');
}

/** A rebase moves the chain forward to a verified block: above the tip, and the tip is that block. */
export function checkRebase(
  state: CommittedState,
  tip: TrustedPoint,
  baseBlock: StoredBlock,
  commitProof?: CommitProof,
): void {
  const current = requireTip(state);
  checkBlockShape(baseBlock);
  if (tip.height <= current.height) {
    throw new StoreError(
      'store.below-tip',
      `rebase to ${tip.height} is not above the tip ${current.height}`,
      {
        height: tip.height,
        tipHeight: current.height,
      },
    );
  }
  checkTipMatches(tip, baseBlock.height, baseBlock.hash, 'rebase');
  if (commitProof) {
    const height = commitProof.header.height;
    checkProofTarget(commitProof, height, height === baseBlock.height ? baseBlock.hash : undefined);
  }
}
