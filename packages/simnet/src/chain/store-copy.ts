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
export function copyPrefix(source: ChainStore, height: number): Promise<MemoryChainStore> {
  const base = source.base();
  if (base === undefined) throw new SimnetError('simnet.invalid-option', 'cannot copy an empty store');
  return copyRange(source, base, height);
}

/**
 * A new memory store with `source`'s blocks `from..to`, the commit proofs and snapshots
 * among them, and block `to` as the tip. With `from` above the source's base it is a pruned
 * node: it starts at block `from - 1` without holding it, so it serves (and its status
 * reports `earliestHeight`) from `from` on.
 */
export async function copyRange(source: ChainStore, from: number, to: number): Promise<MemoryChainStore> {
  const base = source.base();
  const tip = source.tip();
  if (base === undefined || !tip || from < base || to < from || to > tip.height) {
    throw new SimnetError(
      'simnet.invalid-option',
      `cannot copy ${from}..${to} of a store holding ${base}..${tip?.height}`,
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
  // A pruned copy starts at the block before `from` but does not hold it.
  const start = from === base ? base : from - 1;
  const startBlock = [...source.iterateBlocks(start, start)][0];
  const startDecoded = startBlock && decodeBlock(startBlock.bytes);
  if (!startBlock || !startDecoded)
    throw new SimnetError('simnet.invalid-option', `the source store lacks block ${start}`);
  const startPoint = trustedPointOf(startDecoded, startBlock.hash, setOf);
  await (start === from ? store.initialize(startPoint, startBlock) : store.initialize(startPoint));
  let batch: StoredBlock[] = [];
  let lastEpoch = startDecoded.header.epoch;
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
  for (const block of source.iterateBlocks(start + 1, to)) {
    batch.push(block);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  for (let h = start + 1; h <= to; h++) {
    const proof = source.commitProof(h);
    if (proof && !store.commitProof(h)) await store.putCommitProof(proof);
  }
  for (const snapshot of source.snapshots()) {
    if (snapshot.height < from || snapshot.height > to) continue;
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
