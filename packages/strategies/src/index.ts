/**
 * @hotsync/strategies: ways to sync (incremental, parallel, fast and adaptive), the
 * download coordinator they share, and the building blocks for strategies of your own.
 *
 * @packageDocumentation
 */
export * from './adaptive/adaptive.js';
export * from './adaptive/decide.js';
export * from './coordinator/adaptive-range-size.js';
export * from './coordinator/batch-state.js';
export * from './coordinator/download-coordinator.js';
export type { CoordinatorStats, PeerDownloadStats } from './coordinator/stats.js';
export * from './coordinator/window.js';
export * from './defaults.js';
export * from './errors.js';
export * from './fast/chunk-downloader.js';
export * from './fast/fast.js';
export * from './fast/snapshot-base.js';
export * from './fast/snapshot-finder.js';
export * from './fork/conflict.js';
export * from './fork/resolve.js';
export * from './fork/trusted-point.js';
export * from './incremental.js';
export * from './parallel.js';
export * from './phase.js';
export * from './proof/range-end.js';
export * from './range-fetch.js';
