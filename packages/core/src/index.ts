/**
 * @hotsync/core: the vocabulary every hotsync package shares: the reference HotStuff-2
 * chain model and its canonical codec, hashing and signing, the interfaces the other
 * packages implement, configuration, errors, clock and randomness.
 *
 * @packageDocumentation
 */

export * from './chain/chain-spec.js';
export * from './chain/codec.js';
export * from './chain/commit-proof.js';
export * from './chain/limits.js';
export * from './chain/signing.js';
export * from './chain/transactions-root.js';
export * from './chain/types.js';
export * from './chain/validator-set.js';
export * from './config.js';
export * from './encoding/bytes.js';
export * from './errors.js';
export * from './events.js';
export * from './hashing.js';
export * from './interfaces/chain-store.js';
export * from './interfaces/logger.js';
export * from './interfaces/metrics.js';
export * from './interfaces/network.js';
export * from './interfaces/peer-manager.js';
export * from './interfaces/state-machine.js';
export * from './interfaces/strategy.js';
export * from './interfaces/sync-manager.js';
export * from './interfaces/verifier.js';
export * from './progress/index.js';
export * from './random.js';
export * from './state/index.js';
export * from './store/index.js';
export * from './sync/index.js';
export * from './time/bandwidth-cap.js';
export * from './time/clock.js';
export * from './time/manual-clock.js';
export * from './time/pausable-timer.js';
export * from './time/token-bucket.js';
export * from './wire/index.js';
