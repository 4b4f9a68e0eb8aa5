import type { SyncConfigInput, VerificationMode } from '@hotsync/core';
import type { ChainParams } from '../profile.js';
import type { ChainMeta } from './chain-meta.js';

/**
 * What each child process is asked to do and what it reports back, by role. Plain JSON
 * (it crosses the IPC channel); one task per process.
 */

/** A serving node as a syncing node dials it. */
export interface ServerAddress {
  readonly peerId: string;
  readonly addr: string;
}

/** The rows of the table (DESIGN: side by side, one run, one machine). */
export const ROW_NAMES = [
  'parallel-full',
  'parallel-anchored',
  'incremental',
  'baseline-per-block',
  'baseline-single-peer',
] as const;
export type RowName = (typeof ROW_NAMES)[number];

/** How a syncing process syncs: which strategy, in which verification mode. */
export interface SyncPlan {
  readonly name: RowName | 'fast' | 'memory';
  readonly strategy: 'parallel' | 'incremental' | 'per-block' | 'single-peer' | 'fast';
  readonly mode: VerificationMode;
  /** Merged over the defaults (only what defines the row). */
  readonly config?: SyncConfigInput;
}

export interface GenerateTask {
  readonly role: 'generate';
  readonly params: ChainParams;
  /** A fresh directory the chain is written into (renamed into the cache when complete). */
  readonly dir: string;
}

export interface ServeTask {
  readonly role: 'serve';
  readonly meta: ChainMeta;
}

export interface ProduceTask {
  readonly role: 'produce';
  readonly meta: ChainMeta;
  readonly startHeight: number;
  readonly blocks: number;
  readonly intervalMs: number;
}

export interface SyncTask {
  readonly role: 'sync';
  readonly plan: SyncPlan;
  readonly meta: ChainMeta;
  readonly servers: readonly ServerAddress[];
  readonly dataDir: string;
  readonly sampleMs: number;
}

export interface FollowTask {
  readonly role: 'follow';
  readonly meta: ChainMeta;
  readonly producer: ServerAddress;
  readonly dataDir: string;
  /** The height the follower syncs to before production starts. */
  readonly startHeight: number;
  /** It reports once this height is applied. */
  readonly finalHeight: number;
  readonly statusIntervalMs: number;
}

export interface RawTransferTask {
  readonly role: 'raw-transfer';
  readonly meta: ChainMeta;
  readonly servers: readonly ServerAddress[];
  readonly dataDir: string;
  readonly repetitions: number;
  /** Bytes moved per measurement (the chain's blocks, repeated when the chain is shorter). */
  readonly bytes: number;
}

export interface CryptoLimitTask {
  readonly role: 'limit-crypto';
  readonly meta: ChainMeta;
  readonly seconds: number;
  readonly repetitions: number;
}

export interface LmdbLimitTask {
  readonly role: 'limit-lmdb';
  readonly meta: ChainMeta;
  readonly blocks: number;
  readonly dataDir: string;
}

export interface DecodeLimitTask {
  readonly role: 'limit-decode';
  readonly meta: ChainMeta;
  readonly blocks: number;
}

export interface StateLimitTask {
  readonly role: 'limit-state';
  readonly meta: ChainMeta;
  readonly blocks: number;
  readonly rangeBlocks: number;
  readonly dataDir: string;
}

export interface WanTask {
  readonly role: 'wan';
  readonly meta: ChainMeta;
  readonly blocks: number;
  readonly peers: number;
  readonly rttMs: number;
  readonly bandwidthBytesPerSec: number;
}

// ---- results ----------------------------------------------------------------------

export interface ServeResult {
  readonly requestsServed: number;
  readonly bytesSent: number;
  /** Requests answered `rate-limited` (should be 0: bench servers are not throttled). */
  readonly rateLimited: number;
}

/** Wall-clock instants (ms since the epoch, sub-ms: `performance.timeOrigin + performance.now()`) by height. */
export type Instants = ReadonlyArray<readonly [height: number, atMs: number]>;

export interface ProduceResult {
  readonly available: Instants;
}

export interface FollowResult {
  readonly applied: Instants;
  /** SyncManager runs it took (one per status showing a new height, roughly). */
  readonly syncRuns: number;
  readonly peakRssMB: number;
}

/**
 * One tip-height sample of a syncing process: seconds since the sync started, height, RSS,
 * V8 heap in use, and RSS split into anonymous and file-backed pages (-1 where the
 * platform does not say), all in MB. RSS growing with the heap is the sync's own objects;
 * anonymous RSS growing alone is native memory; file-backed RSS is LMDB's mapped pages.
 */
export type Sample = readonly [
  seconds: number,
  height: number,
  rssMB: number,
  heapUsedMB: number,
  rssAnonMB: number,
  rssFileMB: number,
];

export interface SyncResult {
  readonly outcome: string;
  /** Synced to the chain's tip, the stored tip hash and the state root equal the source's. */
  readonly ok: boolean;
  readonly startHeight: number;
  readonly endHeight: number;
  readonly seconds: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  /** process.resourceUsage().maxRSS of the syncing process, in MB. */
  readonly peakRssMB: number;
  /** Every request the node made (status exchange and discovery included). */
  readonly requests: number;
  readonly bytesReceived: number;
  /** Bytes of the blocks stored by the sync (plus the snapshot's state bytes, for fast). */
  readonly usefulBytes: number;
  /** Main-thread ms in scheduling and peer management (see instrument/section-clock.ts). */
  readonly coordinationMs: number;
  readonly samples: readonly Sample[];
  readonly phases: ReadonlyArray<{ readonly name: string; readonly atSeconds: number }>;
  /** Fast sync: the downloading-snapshot phase. */
  readonly snapshot?: { readonly seconds: number; readonly bytes: number; readonly chunks: number };
  /** The parallel coordinator's own counters, when the row used it. */
  readonly coordinator?: {
    readonly rangeRequests: number;
    readonly retries: number;
    readonly hedges: number;
    readonly maxInFlight: number;
    readonly rangeSizeCurrent: number;
  };
}

export interface RawTransferResult {
  readonly bytes: number;
  readonly oneStreamMBps: number;
  readonly allServersMBps: number;
}

export interface CryptoLimitResult {
  readonly oneCore: number;
  readonly allCores: number;
  readonly threads: number;
}

export interface LmdbLimitResult {
  readonly blocks: number;
  readonly noSyncPutsPerSec: number;
  readonly noSyncMBps: number;
  readonly durablePutsPerSec: number;
  readonly durableMBps: number;
}

export interface DecodeLimitResult {
  readonly blocks: number;
  readonly blocksPerSec: number;
  readonly mbPerSec: number;
}

export interface StateLimitResult {
  readonly blocks: number;
  readonly rangeBlocks: number;
  readonly perBlockRootBlocksPerSec: number;
  readonly perRangeRootBlocksPerSec: number;
}

export interface WanRun {
  readonly strategy: 'parallel' | 'incremental';
  readonly ok: boolean;
  readonly blocks: number;
  /** Virtual seconds from the sync's start to synced (simnet: the network's time only). */
  readonly virtualSeconds: number;
  readonly realSeconds: number;
  readonly bytesReceived: number;
}

export interface WanResult {
  readonly blocks: number;
  readonly blockBytes: number;
  readonly runs: readonly WanRun[];
}

/** Task, ready-message and result types of each role. */
export interface Roles {
  generate: { task: GenerateTask; ready: never; result: ChainMeta };
  serve: { task: ServeTask; ready: ServerAddress; result: ServeResult };
  produce: { task: ProduceTask; ready: ServerAddress; result: ProduceResult };
  sync: { task: SyncTask; ready: never; result: SyncResult };
  follow: { task: FollowTask; ready: { readonly height: number }; result: FollowResult };
  'raw-transfer': { task: RawTransferTask; ready: never; result: RawTransferResult };
  'limit-crypto': { task: CryptoLimitTask; ready: never; result: CryptoLimitResult };
  'limit-lmdb': { task: LmdbLimitTask; ready: never; result: LmdbLimitResult };
  'limit-decode': { task: DecodeLimitTask; ready: never; result: DecodeLimitResult };
  'limit-state': { task: StateLimitTask; ready: never; result: StateLimitResult };
  wan: { task: WanTask; ready: never; result: WanResult };
}

export type Role = keyof Roles;
export type ChildTask = Roles[Role]['task'];
