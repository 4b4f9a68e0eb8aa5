import {
  type Block,
  blockHash,
  bytesEqual,
  type ChainStore,
  hashOfEncodedBlock,
  isZero,
  qcHash,
  type TrustedPoint,
  transactionsRoot,
  type ValidatorSet,
  validatorSetHash,
} from '@hotsync/core';
import type { HashedBlock } from './chain-writer.js';
import { EngineError } from './errors.js';

/** Delivered blocks split by where they stand against the store. */
export interface DeliveryPlan {
  /** Held by the store already (the store the sync wrote into is ours): the engine only moves on. */
  readonly stored: readonly HashedBlock[];
  /** Beyond the store's tip: to verify, execute and commit. */
  readonly fresh: readonly HashedBlock[];
}

function refuse(height: number, why: string): never {
  throw new EngineError('engine.delivery', `delivered block ${height}: ${why}`, { height });
}

/** Checks order (consecutive from `committedHeight + 1`) and, for heights the store holds, that it holds these very blocks. */
export function planDelivery(
  blocks: readonly Block[],
  committedHeight: number,
  store: ChainStore,
): DeliveryPlan {
  const storeTip = store.tip()?.height ?? -1;
  const stored: HashedBlock[] = [];
  const fresh: HashedBlock[] = [];
  blocks.forEach((block, i) => {
    const height = block.header.height;
    if (height !== committedHeight + 1 + i) refuse(height, `expected height ${committedHeight + 1 + i}`);
    const hash = blockHash(block);
    if (height <= storeTip) {
      const bytes = store.blockBytes(height);
      if (!bytes || !bytesEqual(hashOfEncodedBlock(bytes), hash))
        refuse(height, 'the store holds another block');
      stored.push({ block, hash });
    } else {
      fresh.push({ block, hash });
    }
  });
  return { stored, fresh };
}

export interface ContinuationCheck {
  readonly chainId: Uint8Array;
  /** The QC of each block against the set of its epoch (sets learned in the range included). */
  readonly qcValid: (block: Block, sets: ReadonlyMap<number, ValidatorSet>) => string | undefined;
}

/**
 * Checks that `blocks` continue the committed chain at `from` (the sync verifier's rules for a
 * range, block by block: links, views, the justify certifying exactly the parent with a valid
 * quorum, commitments, epoch boundaries). Returns the validator sets learned from
 * epoch-ending blocks. Throws `engine.delivery` naming the first block that does not.
 */
export function checkContinuation(
  from: TrustedPoint,
  blocks: readonly HashedBlock[],
  check: ContinuationCheck,
): ValidatorSet[] {
  const learned: ValidatorSet[] = [];
  const sets = new Map<number, ValidatorSet>();
  let prev = {
    height: from.height,
    hash: from.hash,
    view: from.view,
    epoch: from.epoch,
    ts: from.timestampMs,
  };
  let nextEpoch = from.validatorSet.epoch;
  for (const { block, hash } of blocks) {
    const h = block.header;
    const vote = block.justify.vote;
    if (!bytesEqual(h.chainId, check.chainId)) refuse(h.height, 'another chain');
    if (!bytesEqual(h.parentHash, prev.hash)) refuse(h.height, 'does not link to its parent');
    if (h.view <= prev.view) refuse(h.height, 'view does not increase');
    if (h.timestampMs < prev.ts) refuse(h.height, 'timestamp before the parent');
    if (h.epoch !== nextEpoch) refuse(h.height, `epoch ${h.epoch}, expected ${nextEpoch}`);
    if (!bytesEqual(transactionsRoot(block.payload), h.payloadHash)) refuse(h.height, 'payload hash');
    if (!bytesEqual(qcHash(block.justify), h.justifyHash)) refuse(h.height, 'justify hash');
    if (
      !bytesEqual(vote.blockHash, prev.hash) ||
      vote.height !== prev.height ||
      vote.view !== prev.view ||
      vote.epoch !== prev.epoch
    ) {
      refuse(h.height, 'justify does not certify the parent');
    }
    const invalid = check.qcValid(block, sets);
    if (invalid) refuse(h.height, `justify QC: ${invalid}`);
    if (!isZero(h.nextValidatorSetHash)) {
      const next = block.nextValidatorSet;
      if (
        !next ||
        next.epoch !== h.epoch + 1 ||
        !bytesEqual(validatorSetHash(next), h.nextValidatorSetHash)
      ) {
        refuse(h.height, 'next validator set does not match the header');
      }
      sets.set(next.epoch, next);
      learned.push(next);
      nextEpoch = next.epoch;
    }
    prev = { height: h.height, hash, view: h.view, epoch: h.epoch, ts: h.timestampMs };
  }
  return learned;
}
