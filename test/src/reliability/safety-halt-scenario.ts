import {
  type BlockBatch,
  bytesEqual,
  type ChainStore,
  headerHash,
  type SafetyEvidence,
  type SyncOutcome,
} from '@hotsync/core';
import type { SimChain } from '@hotsync/simnet';

/** Every block batch a store was asked to commit: the highest height it ever reached. */
export interface WriteLog {
  maxHeight: number;
  batches: number;
}

/** Records the batches `store` commits (the store keeps working as before). */
export function logWrites(store: ChainStore): WriteLog {
  const log: WriteLog = { maxHeight: store.tip()?.height ?? 0, batches: 0 };
  const commit = store.commitBatch.bind(store);
  store.commitBatch = async (batch: BlockBatch) => {
    log.batches++;
    for (const b of batch.blocks) log.maxHeight = Math.max(log.maxHeight, b.height);
    await commit(batch);
  };
  return log;
}

/** Blocks in `store` that are not the honest chain's, byte for byte. */
export function foreignBlocks(store: ChainStore, honest: SimChain): number[] {
  const foreign: number[] = [];
  const tip = store.tip();
  for (const block of store.iterateBlocks(0, tip?.height ?? 0)) {
    const bytes = honest.store.blockBytes(block.height);
    if (!bytes || !bytesEqual(bytes, block.bytes)) foreign.push(block.height);
  }
  return foreign;
}

/** The committed blocks two commit proofs of a `conflicting-commit` evidence name: height and hashes. */
export function evidenceCommits(evidence: SafetyEvidence): {
  readonly heights: readonly number[];
  readonly hashes: readonly Uint8Array[];
} {
  if (evidence.kind !== 'conflicting-commit')
    throw new Error(`expected conflicting-commit, got ${evidence.kind}`);
  return {
    heights: [evidence.first.header.height, evidence.second.header.height],
    hashes: [headerHash(evidence.first.header), headerHash(evidence.second.header)],
  };
}

/** The failed outcome, or a failure naming what happened instead. */
export function failedOutcome(outcome: SyncOutcome): Extract<SyncOutcome, { kind: 'failed' }> {
  if (outcome.kind !== 'failed') throw new Error(`expected the sync to fail, it ended ${outcome.kind}`);
  return outcome;
}
