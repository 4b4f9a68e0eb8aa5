/**
 * @hotsync/example-hotstuff2-engine: the reference chained HotStuff-2 consensus engine the
 * hotsync examples run (not a package users must take). See README.md.
 *
 * @packageDocumentation
 */

export { type EngineLifecycle, type EngineStatus, HotStuff2Engine } from './engine.js';
export type { HotStuff2EngineOptions } from './engine-options.js';
export { EngineError, type EngineErrorCode } from './errors.js';
export type { EngineEvents } from './events.js';
export { createGenesis, type Genesis, type GenesisOptions } from './genesis.js';
export { leaderOf, Roster } from './leader.js';
export { type History, LocalNetwork, type LocalNetworkOptions, type LocalNode } from './local-network.js';
export {
  type HubStats,
  type LinkFilter,
  type LinkVerdict,
  MemoryHub,
  type MemoryHubOptions,
  MemoryTransport,
} from './memory-transport.js';
export { decodeMessage, encodeMessage, MAX_RESPONSE_BLOCKS, peekMessageType } from './message-codec.js';
export {
  type BlockRequestMessage,
  type BlockResponseMessage,
  type ConsensusMessage,
  MESSAGE_TAG,
  type MessageType,
  type NewViewMessage,
  newViewSignBytes,
  type ProposalMessage,
  proposalSignBytes,
  type ValidatorIndex,
  type VoteMessage,
} from './messages.js';
export { DEFAULT_TIMING, type PacemakerTiming, type ViewChangeReason } from './pacemaker.js';
export { LmdbPendingBlockStore, MemoryPendingBlockStore, type PendingBlockStore } from './pending-store.js';
export { type ConsensusTransport, type MessageHandler, type NodeId, validatorNodeId } from './transport.js';
export {
  generatedTransactions,
  noTransactions,
  TransactionQueue,
  type TransactionSource,
} from './tx-source.js';
export { storedBlocks, verifyCommittedChain } from './verify-chain.js';
