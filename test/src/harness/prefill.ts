import {
  type Block,
  blockHash,
  decodeBlock,
  encodeBlock,
  type StoredBlock,
  type TrustedPoint,
  type ValidatorSet,
} from '@hotsync/core';
import type { SimChain, SyncNodeContext } from '@hotsync/simnet';

function pointOf(chain: SimChain, block: Block, stateRoot = block.header.stateRoot): TrustedPoint {
  const h = block.header;
  return {
    height: h.height,
    hash: blockHash(block),
    view: h.view,
    epoch: h.epoch,
    timestampMs: h.timestampMs,
    stateRoot,
    validatorSet: block.nextValidatorSet ?? chain.generated.validatorSets[h.epoch]!,
  };
}

/**
 * Gives a syncing node, before it starts, the honest chain's blocks 1..`upTo` as committed
 * (stored with the chain's commit proof at `upTo`, which must exist) and its state: a node
 * that synced once and stopped.
 */
export async function prefillCommitted(ctx: SyncNodeContext, chain: SimChain, upTo: number): Promise<void> {
  const stored: StoredBlock[] = [...chain.store.iterateBlocks(1, upTo)];
  const blocks = stored.map((b) => decodeBlock(b.bytes));
  await ctx.stateMachine.applyBlocks(
    blocks.map((b) => ({ height: b.header.height, transactions: b.payload })),
    'last',
  );
  await ctx.stateMachine.prune(upTo);
  const proof = chain.store.commitProof(upTo);
  if (!proof) throw new Error(`the chain has no stored commit proof at ${upTo}`);
  const sets: ValidatorSet[] = blocks.flatMap((b) => (b.nextValidatorSet ? [b.nextValidatorSet] : []));
  await ctx.store.commitBatch({
    blocks: stored,
    tip: pointOf(chain, blocks.at(-1)!),
    commitProof: proof,
    validatorSets: sets,
  });
}

/**
 * Stores `block` on top of the node's tip without a commit proof, executed into its state
 * (not pruned, so it can be undone): what a consensus engine leaves behind when it stored a
 * certified block that the network then did not commit. The stored tip's state root is the
 * one execution gave (a generated fork block carries a made-up root).
 */
export async function appendUncommitted(ctx: SyncNodeContext, chain: SimChain, block: Block): Promise<void> {
  const [root] = await ctx.stateMachine.applyBlocks(
    [{ height: block.header.height, transactions: block.payload }],
    'last',
  );
  await ctx.store.commitBatch({
    blocks: [{ height: block.header.height, hash: blockHash(block), bytes: encodeBlock(block) }],
    tip: pointOf(chain, block, root),
  });
}
