import { type Block, bytesEqual, isZero, qcHash, transactionsRoot } from '@hotsync/core';
import type { TreeNode } from './block-tree.js';

export interface BlockRulesContext {
  readonly chainId: Uint8Array;
  /** The epoch of live consensus (sets do not change while it runs). */
  readonly epoch: number;
  /** Latest acceptable timestamp: now plus the allowed drift. */
  readonly latestTimestampMs: number;
}

/**
 * What a block must be on its own before anything is executed or voted on (the sync
 * verifier's structure and consensus-rule checks, for one block): same chain and epoch,
 * header commitments that match the body, a justify QC that votes for exactly the parent in
 * an earlier view. Returns why it is not, or undefined.
 */
export function checkBlock(block: Block, ctx: BlockRulesContext): string | undefined {
  const h = block.header;
  const vote = block.justify.vote;
  if (!bytesEqual(h.chainId, ctx.chainId)) return 'another chain';
  if (h.epoch !== ctx.epoch) return `epoch ${h.epoch}, live consensus runs epoch ${ctx.epoch}`;
  if (!isZero(h.nextValidatorSetHash) || block.nextValidatorSet)
    return 'live consensus does not change validator sets';
  if (!bytesEqual(transactionsRoot(block.payload), h.payloadHash))
    return 'payload hash does not match the transactions';
  if (!bytesEqual(qcHash(block.justify), h.justifyHash)) return 'justify hash does not match the justify QC';
  if (!bytesEqual(vote.blockHash, h.parentHash)) return 'justify does not certify the parent';
  if (vote.phase !== 'prepare') return 'justify is not a prepare QC';
  if (vote.height + 1 !== h.height) return `height ${h.height} does not follow the justify's ${vote.height}`;
  if (vote.view >= h.view) return `justify view ${vote.view} is not below view ${h.view}`;
  if (h.timestampMs > ctx.latestTimestampMs) return `timestamp ${h.timestampMs} is too far in the future`;
  return undefined;
}

/** The block against its parent in the tree; returns why it does not follow it, or undefined. */
export function checkAgainstParent(block: Block, parent: TreeNode): string | undefined {
  const h = block.header;
  const vote = block.justify.vote;
  if (h.height !== parent.height + 1) return `height ${h.height} after parent ${parent.height}`;
  if (vote.view !== parent.view || vote.epoch !== parent.epoch)
    return 'justify is for another view or epoch than the parent';
  if (h.view <= parent.view) return `view ${h.view} does not follow the parent's ${parent.view}`;
  if (h.timestampMs < parent.timestampMs) return 'timestamp before the parent';
  return undefined;
}
