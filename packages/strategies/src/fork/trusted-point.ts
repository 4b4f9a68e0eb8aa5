import { type ChainStore, StoreError, type SyncContext, type TrustedPoint } from '@hotsync/core';

/** Height of the newest block the store holds as committed: a stored commit proof covers it, or it is the base (trusted by construction). */
export function committedHeight(store: ChainStore): number {
  const base = store.base() ?? 0;
  return Math.max(base, store.latestCommitProofHeight() ?? base);
}

/** The stored block at `height` as a trusted point (what a range after it is verified against). */
export function trustedPointAt(ctx: SyncContext, height: number): TrustedPoint {
  const tip = ctx.trusted();
  if (height === tip.height) return tip;
  const bytes = ctx.store.blockBytes(height);
  if (!bytes) throw new StoreError('store.unknown-height', `no block stored at height ${height}`, { height });
  const block = ctx.chain.decode(bytes);
  const epoch = ctx.chain.epoch(block);
  const validatorSet = ctx.chain.epochChange(block)?.nextValidatorSet ?? ctx.validatorSet(epoch);
  if (!validatorSet) {
    throw new StoreError('store.corrupt', `no validator set stored for epoch ${epoch} (block ${height})`, {
      height,
    });
  }
  return {
    height,
    hash: ctx.chain.hash(block),
    view: ctx.chain.view(block),
    epoch,
    timestampMs: ctx.chain.timestampMs(block),
    stateRoot: ctx.chain.stateRoot(block),
    validatorSet,
  };
}
