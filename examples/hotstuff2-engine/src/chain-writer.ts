import {
  type Block,
  type ChainStore,
  type Clock,
  type CommitProof,
  encodeBlock,
  type Hash,
  type TrustedPoint,
  type ValidatorSet,
} from '@hotsync/core';

/** A block and its recomputed hash. */
export interface HashedBlock {
  readonly block: Block;
  readonly hash: Hash;
}

/** The trusted point a committed block becomes: `set` certifies what follows it (its next set when it ends an epoch). */
export function trustedPointOf({ block, hash }: HashedBlock, set: ValidatorSet): TrustedPoint {
  const h = block.header;
  return {
    height: h.height,
    hash,
    view: h.view,
    epoch: h.epoch,
    timestampMs: h.timestampMs,
    stateRoot: h.stateRoot,
    validatorSet: block.nextValidatorSet ?? set,
  };
}

/**
 * Appends committed blocks to the chain store in one atomic batch, as the SyncManager does:
 * blocks, new tip, commit proof, learned sets and a checkpoint (strategy `consensus`, target =
 * the tip, so a later sync does not mistake it for an unfinished one).
 */
export async function writeCommitted(
  store: ChainStore,
  clock: Clock,
  blocks: readonly HashedBlock[],
  set: ValidatorSet,
  proof: CommitProof | undefined,
  learnedSets: readonly ValidatorSet[] = [],
): Promise<TrustedPoint> {
  const last = blocks[blocks.length - 1]!;
  const tip = trustedPointOf(last, set);
  await store.commitBatch({
    blocks: blocks.map(({ block, hash }) => ({
      height: block.header.height,
      hash,
      bytes: encodeBlock(block),
    })),
    tip,
    ...(proof && { commitProof: proof }),
    ...(learnedSets.length > 0 && { validatorSets: learnedSets }),
    checkpoint: {
      height: tip.height,
      hash: tip.hash,
      atMs: clock.now(),
      targetHeight: tip.height,
      strategy: 'consensus',
    },
  });
  return tip;
}
