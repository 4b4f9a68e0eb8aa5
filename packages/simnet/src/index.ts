/**
 * @hotsync/simnet: a deterministic simulated network for hotsync (DESIGN §9). Many nodes
 * in one process on virtual time with a seeded PRNG; links with latency, bandwidth and
 * loss; partitions and churn; Byzantine peer behaviours; a scenario runner with reports and
 * assertions. Sync code runs over it unchanged through core's SyncNetwork.
 *
 * @packageDocumentation
 */
export * from './behaviours/index.js';
export { type Rewrite, rehashedStore } from './chain/rehash.js';
export { SimChain, type SimChainOptions } from './chain/sim-chain.js';
export { copyPrefix, copyRange } from './chain/store-copy.js';
export { SimnetError, type SimnetErrorCode } from './errors.js';
export * from './network/index.js';
export * from './scenario/index.js';
export {
  DEFAULT_START_TIME_MS,
  type RunEnd,
  type RunOptions,
  type RunResult,
  Simulation,
  type SimulationOptions,
} from './simulation.js';
export { Trace } from './trace.js';
