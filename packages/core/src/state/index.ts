/** The reference state machine: a Merkle key-value store on a bucketed Merkle tree (see README.md). */
export type { Generation, StateBackend, StateWrite, StoredEntry } from './backend.js';
export { type LmdbBackendOptions, LmdbStateBackend } from './backend-lmdb.js';
export { MemoryStateBackend } from './backend-memory.js';
export {
  bucketOf,
  DEFAULT_TREE_DEPTH,
  hashBucket,
  hashNode,
  MAX_TREE_DEPTH,
  MIN_TREE_DEPTH,
  type StateEntry,
  StateHashTag,
} from './bucket.js';
export { chunkBucketRange, STATE_TREE_VERSION, stateSnapshotFormat } from './chunk-codec.js';
export {
  createMemoryStateMachine,
  type LmdbStateMachineOptions,
  type MemoryStateMachineOptions,
  openLmdbStateMachine,
} from './factories.js';
export { MerkleKvStateMachine, type StateStats } from './state-machine.js';
export {
  BALANCE_BYTES,
  decodeBalance,
  decodeStateTx,
  encodeBalance,
  encodeStateTx,
  MAX_BALANCE,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_VALUE_BYTES,
  type StateTx,
} from './tx-codec.js';
