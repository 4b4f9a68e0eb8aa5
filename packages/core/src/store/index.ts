/**
 * The chain store (DESIGN §2, §4): LMDB by default, in memory for tests and simnet; both
 * pass the same contract suite. The record encodings (records.ts) and the LMDB layout
 * (lmdb-layout.ts) stay internal: they are the store's on-disk format, not an API.
 */
export { LmdbChainStore, type LmdbChainStoreOptions, openLmdbChainStore } from './lmdb-chain-store.js';
export { MemoryChainStore, type MemoryChainStoreOptions } from './memory-chain-store.js';
