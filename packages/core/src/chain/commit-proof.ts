import { bytesEqual } from '../encoding/bytes.js';
import type { ChainStore } from '../interfaces/chain-store.js';
import { blockHash, decodeBlock, qcHash } from './codec.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from './limits.js';
import type { Block, CommitProof } from './types.js';

/**
 * The two-chain commit proof of `block`, assembled from its child and grandchild: the child
 * carries the QC for `block` and the grandchild the QC for the child. Undefined when they do
 * not form one (not linked, or the child's view is not `block.view + 1`, as after a timeout).
 * Checks only shape: the verifier checks the signatures.
 */
export function twoChainProof(block: Block, child: Block, grandchild: Block): CommitProof | undefined {
  const hash = blockHash(block);
  const childHash = blockHash(child);
  if (!bytesEqual(child.header.parentHash, hash) || !bytesEqual(grandchild.header.parentHash, childHash))
    return undefined;
  if (child.header.view !== block.header.view + 1) return undefined;
  if (
    !bytesEqual(child.justify.vote.blockHash, hash) ||
    !bytesEqual(grandchild.justify.vote.blockHash, childHash)
  ) {
    return undefined;
  }
  if (!bytesEqual(child.header.justifyHash, qcHash(child.justify))) return undefined;
  return {
    kind: 'two-chain',
    header: block.header,
    qc: child.justify,
    child: child.header,
    childQc: grandchild.justify,
  };
}

/**
 * What a serving node answers to "commit proof of height h": the stored proof, else one
 * derived from the two stored blocks after h. Undefined when neither exists.
 */
export function commitProofAt(
  store: ChainStore,
  height: number,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): CommitProof | undefined {
  const stored = store.commitProof(height);
  if (stored) return stored;
  const bytes = [store.blockBytes(height), store.blockBytes(height + 1), store.blockBytes(height + 2)];
  if (bytes.some((b) => b === undefined)) return undefined;
  const [block, child, grandchild] = bytes.map((b) => decodeBlock(b!, limits)) as [Block, Block, Block];
  return twoChainProof(block, child, grandchild);
}
