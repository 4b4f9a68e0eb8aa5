import { HashTag, taggedHash } from '../hashing.js';
import type { Hash } from './types.js';

/** Root of an empty transaction list. */
export const EMPTY_TRANSACTIONS_ROOT: Hash = taggedHash('hs2/tx/empty/v1');

/**
 * Merkle root of a transaction list, RFC 6962 shape: leaves `H(tx/leaf, tx)`, nodes
 * `H(tx/node, left ‖ right)`, an odd node is promoted unchanged (never duplicated, so two
 * different lists cannot share a root the way Bitcoin's duplicate-last-leaf tree allows).
 */
export function transactionsRoot(transactions: readonly Uint8Array[]): Hash {
  if (transactions.length === 0) return EMPTY_TRANSACTIONS_ROOT;
  let level: Uint8Array[] = transactions.map((tx) => taggedHash(HashTag.txLeaf, tx));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(taggedHash(HashTag.txNode, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}
