/**
 * @hotsync/example-libp2p-validator: one HotStuff-2 validator of the hotsync examples as a
 * process (engine on a libp2p consensus protocol, hotsync sync service, coordinator, LMDB,
 * /metrics, pino), and the parent side that starts and drives such processes. See README.md.
 *
 * @packageDocumentation
 */
export { catchUpStrategy, type ReportingStrategy } from './catch-up-strategy.js';
export {
  type ConsensusTransportStats,
  consensusProtocolId,
  Libp2pConsensusTransport,
  type Libp2pConsensusTransportOptions,
} from './consensus-transport.js';
export { type DataDirs, openDataDirs } from './data-dir.js';
export { type DemoIo, type DemoMainOptions, runDemoMain, showSyncProgress } from './demo-main.js';
export { ExampleError, type ExampleErrorCode } from './errors.js';
export { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from './frames.js';
export { withFreshNetworkHeight } from './fresh-network-height.js';
export {
  type ChainParams,
  copyHistory,
  defaultCacheRoot,
  ensureHistory,
  type History,
  type HistoryParams,
  historyBytes,
  historyKey,
} from './history.js';
export { libp2pKeyOf, type RosterEntry, rosterEntryOf, rosterNodeIds } from './identity.js';
export type {
  ConsensusSettings,
  FromValidator,
  LogLevelName,
  PeerAddress,
  StrategyDecision,
  SyncProgressView,
  SyncReport,
  SyncSettings,
  ToValidator,
  ValidatorConfig,
  ValidatorStatus,
} from './ipc.js';
export {
  DEMO_CONSENSUS,
  DEMO_SYNC,
  type Launched,
  LocalCluster,
  type LocalClusterOptions,
} from './local-cluster.js';
export { type LinePrinter, parentLogger, prettyLines, processLogger } from './log.js';
export { PartitionSwitch } from './partition-switch.js';
export {
  createProgressView,
  formatEta,
  formatReading,
  type ProgressMode,
  type ProgressReading,
  type ProgressView,
  type ProgressViewOptions,
  progressModeFor,
} from './progress-view.js';
export { type BlockSigners, QcLedger, type SignedQcs, SignerTracker, signerIndices } from './qc-signers.js';
export { SyncEpisodes } from './sync-episodes.js';
export { chainAnchor, Validator } from './validator.js';
export { ValidatorProcess, type ValidatorProcessOptions } from './validator-process-handle.js';
