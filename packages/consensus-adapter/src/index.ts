/**
 * @hotsync/consensus-adapter: connects a consensus engine to the hotsync SyncManager.
 *
 * @packageDocumentation
 */
export * from './coordinator.js';
export * from './engine.js';
export * from './errors.js';
export * from './policy.js';
export * from './vote-guard.js';
