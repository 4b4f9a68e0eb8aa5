import { type Block, type ChainStore, type Clock, decodeBlock, type Hash, toHex } from '@hotsync/core';
import type { BlockTree } from './block-tree.js';
import type { ProposalMessage } from './messages.js';
import type { NodeId } from './transport.js';

/** A proposal that waits for its parent to be fetched. */
export interface StashedProposal {
  readonly message: ProposalMessage;
  readonly from: NodeId;
}

const MAX_STASHED = 32;
const MAX_IN_FLIGHT = 256;

/**
 * Bookkeeping of block retrieval: which hashes were asked for (not asked again within
 * `retryMs`), and proposals waiting for a missing parent (replayed once it arrives).
 */
export class BlockFetcher {
  private readonly inFlight = new Map<string, number>();
  private readonly stashed = new Map<string, StashedProposal[]>();
  private stashedCount = 0;

  constructor(
    private readonly clock: Clock,
    private readonly retryMs: number,
  ) {}

  /** True when `hash` should be requested now (and marks it requested). */
  shouldRequest(hash: Hash): boolean {
    const key = toHex(hash);
    const at = this.inFlight.get(key);
    const now = this.clock.now();
    if (at !== undefined && now - at < this.retryMs) return false;
    if (this.inFlight.size >= MAX_IN_FLIGHT) this.inFlight.clear(); // requests that never got an answer
    this.inFlight.set(key, now);
    return true;
  }

  /** `hash` arrived (or is no longer needed). */
  received(hash: Hash): void {
    this.inFlight.delete(toHex(hash));
  }

  stash(parentHash: Hash, proposal: StashedProposal): void {
    if (this.stashedCount >= MAX_STASHED) this.clearStash(); // a flood of orphans must not grow memory
    const key = toHex(parentHash);
    const list = this.stashed.get(key) ?? [];
    list.push(proposal);
    this.stashed.set(key, list);
    this.stashedCount++;
  }

  /** The proposals that waited for `parentHash`, removed from the stash. */
  release(parentHash: Hash): StashedProposal[] {
    const key = toHex(parentHash);
    const list = this.stashed.get(key) ?? [];
    this.stashed.delete(key);
    this.stashedCount -= list.length;
    return list;
  }

  clearStash(): void {
    this.stashed.clear();
    this.stashedCount = 0;
    this.inFlight.clear();
  }
}

/**
 * Serving a block-request: the block `hash` and its ancestors, newest first, from the tree
 * (uncommitted blocks) or the store (committed ones), down to `floorHeight + 1` or `max` blocks.
 */
export function collectAncestors(
  tree: BlockTree,
  store: ChainStore,
  hash: Hash,
  floorHeight: number,
  max: number,
): Block[] {
  const out: Block[] = [];
  let next: Hash | undefined = hash;
  while (next && out.length < max) {
    const block = lookup(tree, store, next);
    if (!block || block.header.height <= floorHeight) break;
    out.push(block);
    next = block.header.height > 0 ? block.header.parentHash : undefined;
  }
  return out;
}

function lookup(tree: BlockTree, store: ChainStore, hash: Hash): Block | undefined {
  const node = tree.get(hash);
  if (node?.block) return node.block;
  const height = store.heightOfHash(hash);
  if (height === undefined) return undefined;
  const bytes = store.blockBytes(height);
  return bytes ? decodeBlock(bytes) : undefined;
}
