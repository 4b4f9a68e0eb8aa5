import { bytesEqual, type PeerId, type SyncContext, throwIfAborted, type VerifiedRange } from '@hotsync/core';
import { tailProofAt } from '../proof/range-end.js';
import { fetchAndVerifyRange, reportFailure } from '../range-fetch.js';
import { checkCommittedConflict, throwOnViolation } from './conflict.js';
import { committedHeight, trustedPointAt } from './trusted-point.js';

/** How an uncommitted local tip was reconciled with the network's committed chain. */
export type TipReconciliation =
  /** Every stored block is covered by a stored commit proof (or the base): nothing to do. */
  | { readonly kind: 'consistent' }
  /** The network committed our uncommitted blocks; a proof is stored now (at `height`, rolled back to it when the blocks above lack a direct proof). */
  | { readonly kind: 'confirmed'; readonly height: number }
  /** Our uncommitted blocks above `ancestor` are not on the committed chain: removed from the store and the state. */
  | {
      readonly kind: 'rolled-back';
      readonly ancestor: number;
      readonly dropped: number;
      readonly peer: PeerId;
    }
  /** No peer showed its committed chain over our uncommitted blocks. */
  | { readonly kind: 'unresolved'; readonly reason: string };

export interface ReconcileOptions {
  /** Peers tried before giving up (default 4). */
  readonly maxPeers?: number;
  /** Blocks per request while walking our uncommitted blocks (default 256). */
  readonly rangeSize?: number;
}

/**
 * Fork handling (DESIGN §2, §5). Blocks above the newest stored commit proof are certified
 * at best (a consensus engine may store them as it goes), so the network may have
 * committed another branch. Verifies the network's committed chain from our committed
 * height, compares it with our blocks height by height (hash against hash), and rolls the
 * store and the state machine back to the common ancestor at the first difference. A
 * peer's chain that does not even extend our committed height is a liar, or evidence of a
 * safety violation (`checkCommittedConflict` stops the sync with both proofs). Called by
 * `incremental` and `parallel` before they download anything.
 */
export async function reconcileUncommittedTip(
  ctx: SyncContext,
  signal: AbortSignal,
  options: ReconcileOptions = {},
): Promise<TipReconciliation> {
  const tip = ctx.trusted();
  const committed = committedHeight(ctx.store);
  if (tip.height <= committed) return { kind: 'consistent' };
  ctx.logger.info(
    { tip: tip.height, committed },
    'uncommitted blocks at the tip: checking them against the network',
  );
  const rangeSize = options.rangeSize ?? 256;
  const tried = new Set<PeerId>();
  let point = trustedPointAt(ctx, committed);
  while (tried.size < (options.maxPeers ?? 4)) {
    throwIfAborted(signal);
    const peer = acquirePeer(ctx, point.height + 1, tip.height, tried);
    if (!peer) break;
    tried.add(peer);
    for (;;) {
      const to = Math.min(tip.height, point.height + rangeSize);
      let fetched: Awaited<ReturnType<typeof fetchAndVerifyRange>>;
      try {
        // The range may grow past our tip: the block after it is the one that decides.
        fetched = await fetchAndVerifyRange(ctx, peer, point.height + 1, to, signal, {
          trusted: point,
          maxEnd: to + 2,
        });
      } finally {
        ctx.peers.release(peer);
      }
      if (!fetched.ok) {
        if (fetched.failure.kind === 'invalid') {
          throwOnViolation({ ok: false, failure: fetched.failure.failure });
          if (fetched.failure.check === 'link.parent' && point.height === committed) {
            const conflict = await checkCommittedConflict(ctx, peer, signal);
            if (conflict.kind === 'peer-invalid') {
              ctx.report(peer, { kind: 'invalid-data', check: conflict.check });
              break;
            }
          }
        }
        reportFailure(ctx, fetched.failure);
        break;
      }
      const range = fetched.range;
      const fork = firstDifference(ctx, point.height, tip.height, range);
      if (fork !== undefined) return rollBack(ctx, fork - 1, tip.height, peer);
      if (range.tip.height >= tip.height) return confirm(ctx, point.height, tip.height, range);
      point = range.tip;
      if (!ctx.peers.acquire(peer)) break;
    }
  }
  return {
    kind: 'unresolved',
    reason: `no peer proved the chain over our uncommitted ${committed + 1}..${tip.height}`,
  };
}

/** A peer that proved `minHeight` and holds the blocks from `fromHeight` (not pruned above it). */
function acquirePeer(
  ctx: SyncContext,
  fromHeight: number,
  minHeight: number,
  tried: ReadonlySet<PeerId>,
): PeerId | undefined {
  for (const peer of ctx.peers.selectPeers({ minHeight, fromHeight, count: 4, exclude: tried })) {
    if (ctx.peers.acquire(peer)) return peer;
  }
  return undefined;
}

/** The first height in (from, upTo] where the verified range's block is not ours. */
function firstDifference(
  ctx: SyncContext,
  from: number,
  upTo: number,
  range: VerifiedRange,
): number | undefined {
  const last = Math.min(upTo, range.tip.height);
  let i = 0;
  for (const stored of ctx.store.iterateBlocks(from + 1, last)) {
    if (!bytesEqual(stored.hash, range.hashes[i]!)) return stored.height;
    i++;
  }
  return undefined;
}

/**
 * Our blocks up to `tip` are on the committed chain. Stores a proof for the latest of them
 * that the verified blocks after it prove directly (the tail trick); blocks above that one
 * are dropped and fetched again with a proof, so every stored block stays covered.
 */
async function confirm(
  ctx: SyncContext,
  from: number,
  tip: number,
  range: VerifiedRange,
): Promise<TipReconciliation> {
  if (range.tip.height === tip && range.commitProof) {
    await ctx.store.putCommitProof(range.commitProof);
    return { kind: 'confirmed', height: tip };
  }
  for (let height = tip; height > from; height--) {
    const proof = tailProofAt(ctx.chain, range.encoded, height - from - 1);
    if (!proof) continue;
    await ctx.store.putCommitProof(proof);
    if (height < tip) await rollBackTo(ctx, height);
    ctx.logger.info({ height }, 'uncommitted blocks confirmed by the network’s commit proof');
    return { kind: 'confirmed', height };
  }
  // No block of ours has a direct proof in what arrived: drop them all, they come back with one.
  await rollBackTo(ctx, from);
  return { kind: 'confirmed', height: from };
}

async function rollBack(
  ctx: SyncContext,
  ancestor: number,
  tip: number,
  peer: PeerId,
): Promise<TipReconciliation> {
  ctx.logger.warn(
    { ancestor, dropped: tip - ancestor, peer },
    'our uncommitted tip is on a fork: rolling back',
  );
  await rollBackTo(ctx, ancestor);
  return { kind: 'rolled-back', ancestor, dropped: tip - ancestor, peer };
}

/** Store first: a crash in between leaves the state ahead of the store, which start-up rolls back. */
async function rollBackTo(ctx: SyncContext, height: number): Promise<void> {
  await ctx.store.rollbackTo(height, trustedPointAt(ctx, height));
  await ctx.stateMachine.rollbackTo(height);
}
