import { type Block, blockHash, type ChainStore, isZero, type TrustedPoint } from '@hotsync/core';
import { BenchError } from '../errors.js';

/** The trusted point a store records for `block` (its set is the one certifying its child). */
export function trustedPointOf(block: Block, source: ChainStore): TrustedPoint {
  const { header } = block;
  const set =
    !isZero(header.nextValidatorSetHash) && block.nextValidatorSet
      ? block.nextValidatorSet
      : source.validatorSet(header.epoch);
  if (!set)
    throw new BenchError('bench.cache', `the cached chain has no validator set for epoch ${header.epoch}`);
  return {
    height: header.height,
    hash: blockHash(block),
    view: header.view,
    epoch: header.epoch,
    timestampMs: header.timestampMs,
    stateRoot: header.stateRoot,
    validatorSet: set,
  };
}
