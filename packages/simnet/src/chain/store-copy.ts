import {
  type Block,
  type ChainStore,
  decodeBlock,
  isZero,
  MemoryChainStore,
  type StoredBlock,
  type TrustedPoint,
  type ValidatorSet,
} from '@hotsync/core';
import { SimnetError } from '../errors.js';

const BATCH = 1024;

/** The trusted point a store reports for `block`: the set certifying its child. */
export function trustedPointOf(
  block: Block,
  hash: Uint8Array,
  setOf: (epoch: number) => ValidatorSet,
): TrustedPoint {
  const { header } = block;
  return {
    height: header.height,
    hash,
    view: header.view,
    epoch: header.epoch,
    timestampMs: header.timestampMs,
    stateRoot: header.stateRoot,
    validatorSet:
      !isZero(header.nextValidatorSetHash) && block.nextValidatorSet
        ? block.nextValidatorSet
        : setOf(header.epoch),
  };
}

/** Validator sets of epochs 0..`epoch`+1 that `store` knows. */
export function knownSets(store: ChainStore, lastEpoch: number): ValidatorSet[] {
  const sets: ValidatorSet[] = [];
  for (let e = 0; e <= lastEpoch + 1; e++) {
    const set = store.validatorSet(e);
    if (set) sets.push(set);
  }
  return sets;
}

/**
 * A new memory store with `source`'s blocks from its base up to `height`, the commit proofs
 * and snapshots at or below it, and that block as the tip: an honest node that is behind.
 */
export async function copyPrefix(source: ChainStore, height: number): Promise<MemoryChainStore> {
  const base = source.base();
  const tip = source.tip();
  if (base === undefined || !tip || height < base || height > tip.height) {
    throw new SimnetError(
      'simnet.invalid-option',
      `cannot copy up to height ${height} of a store holding ${base}..${tip?.height}`,
    );
  }
  const setOf = (epoch: number): ValidatorSet => {
    const set = source.validatorSet(epoch);
    if (!set)
      throw new SimnetError(
        'simnet.invalid-option',
        `the source store has no validator set for epoch ${epoch}`,
      );
    return set;
  };
  const store = new MemoryChainStore();
  const baseBlock = [...source.iterateBlocks(base, base)][0];
  const baseDecoded = baseBlock && decodeBlock(baseBlock.bytes);
  if (!baseBlock || !baseDecoded)
    throw new SimnetError('simnet.invalid-option', `the source store lacks its base block ${base}`);
  await store.initialize(trustedPointOf(baseDecoded, baseBlock.hash, setOf), baseBlock);
  let batch: StoredBlock[] = [];
  let lastEpoch = baseDecoded.header.epoch;
  const flush = async () => {
    const last = batch[batch.length - 1]!;
    const block = decodeBlock(last.bytes);
    lastEpoch = block.header.epoch;
    const proof = source.commitProof(last.height);
    await store.commitBatch({
      blocks: batch,
      tip: trustedPointOf(block, last.hash, setOf),
      validatorSets: knownSets(source, lastEpoch),
      ...(proof && { commitProof: proof }),
    });
    batch = [];
  };
  for (const block of source.iterateBlocks(base + 1, height)) {
    batch.push(block);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  for (let h = base + 1; h <= height; h++) {
    const proof = source.commitProof(h);
    if (proof && !store.commitProof(h)) await store.putCommitProof(proof);
  }
  for (const snapshot of source.snapshots()) {
    if (snapshot.height > height) continue;
    for (const index of source.snapshotChunkIndices(snapshot.stateRoot)) {
      await store.putSnapshotChunk(
        snapshot.stateRoot,
        index,
        source.snapshotChunk(snapshot.stateRoot, index)!,
      );
    }
    await store.putSnapshot(snapshot);
  }
  return store;
}
