import type { ConsensusTransportStats } from './consensus-transport.js';
import type { ChainParams } from './history.js';
import type { RosterEntry } from './identity.js';
import type { BlockSigners } from './qc-signers.js';

/*
 * What a validator process and its parent say to each other over the IPC channel of
 * `child_process.fork` (plain JSON-able objects). A real validator would read the config
 * from a file and be steered by its operator; the demo's parent plays the operator.
 */

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface ConsensusSettings {
  /** Block interval: the leader waits this long before proposing. */
  readonly proposeDelayMs: number;
  readonly baseTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly transactionsPerBlock: number;
}

export interface SyncSettings {
  /** More than this many blocks behind the network: the coordinator pauses consensus and syncs. */
  readonly maxBehindBlocks: number;
  /** Between the coordinator's checks (a far-behind peer status triggers one at once too). */
  readonly checkIntervalMs: number;
  /** Between status exchanges with each peer (the sync protocols' ping, carrying heights). */
  readonly statusIntervalMs: number;
  /** Blocks behind at or above which the strategy syncs with `parallel`, below with `incremental`. */
  readonly parallelThreshold: number;
  /** `catch-up` (default of the examples, see catch-up-strategy.ts) or a shipped one: `adaptive`, `parallel`, `incremental`. */
  readonly strategy: 'catch-up' | 'adaptive' | 'parallel' | 'incremental';
}

export interface ValidatorConfig {
  /** Shown in logs and messages (`v0`, `v1`, ...). */
  readonly name: string;
  /** This validator's index in the chain's validator set (canonical order); its key comes from the generator's schedule. */
  readonly index: number;
  /** Where its LMDB environments live: `chain/`, `state/`, `safety/`, `pending/`. */
  readonly dataDir: string;
  readonly chain: ChainParams;
  /** Every validator's public key and libp2p peer id. */
  readonly roster: readonly RosterEntry[];
  readonly consensus: ConsensusSettings;
  readonly sync: SyncSettings;
  /** Serve `/metrics` on this port (0: a free one); undefined: no metrics server. */
  readonly metricsPort?: number;
  readonly logLevel: LogLevelName;
  /** Between status reports to the parent. */
  readonly reportIntervalMs: number;
}

export interface PeerAddress {
  readonly peerId: string;
  readonly addrs: readonly string[];
}

export type ToValidator =
  | { readonly type: 'start'; readonly config: ValidatorConfig }
  /** Dial these peers and keep dialing them while disconnected; the first one starts consensus. */
  | { readonly type: 'connect'; readonly peers: readonly PeerAddress[] }
  /** Cut every connection and refuse new ones (a partition) / end it. */
  | { readonly type: 'isolate' }
  | { readonly type: 'heal' }
  | { readonly type: 'stop' };

export interface ValidatorStatus {
  readonly committedHeight: number;
  readonly view: number;
  readonly lifecycle: string;
  readonly mode: 'participating' | 'syncing';
  readonly connectedPeers: number;
  readonly isolated: boolean;
  /** The last blocks this node committed, and who signed their justify QCs. */
  readonly recentQcs: readonly BlockSigners[];
  readonly transport: ConsensusTransportStats;
}

/** What the progress view shows while a validator syncs. */
export interface SyncProgressView {
  readonly phase: string;
  /** Height of the local verified tip. */
  readonly height: number;
  /** The height the current sync heads for. */
  readonly target: number | undefined;
  /** Blocks per second over the progress tracker's sliding window. */
  readonly ratePerSec: number;
  readonly etaMs: number | undefined;
  /** Connected peers that speak the sync protocols. */
  readonly peers: number;
  readonly strategy: string | undefined;
}

/** A choice the strategy made during a sync (`adaptive`'s, or `catch-up`'s). */
export interface StrategyDecision {
  readonly choice: string;
  readonly atHeight: number;
  readonly reason: string;
}

/** One pause-sync-resume episode, measured by the validator that went through it. */
export interface SyncReport {
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly blocks: number;
  /** From the pause to the resume. */
  readonly seconds: number;
  readonly blocksPerSec: number;
  /** The strategy the manager ran (e.g. `adaptive`), and what it chose, in order. */
  readonly strategy: string;
  readonly decisions: readonly StrategyDecision[];
  /** Phases entered, in order. */
  readonly phases: readonly string[];
  /** Manager runs (the coordinator syncs again when the network moved on meanwhile). */
  readonly runs: number;
  readonly penalized: number;
  readonly banned: number;
  /** Peers that served ranges to the parallel part. */
  readonly servingPeers: number;
  readonly peersAtEnd: number;
}

export type FromValidator =
  | {
      readonly type: 'listening';
      readonly peerId: string;
      readonly addrs: readonly string[];
      readonly metricsPort: number | undefined;
      readonly height: number;
    }
  /** Engine, peer manager and coordinator started. */
  | { readonly type: 'running'; readonly height: number }
  | { readonly type: 'status'; readonly status: ValidatorStatus }
  | { readonly type: 'sync-progress'; readonly progress: SyncProgressView }
  | {
      readonly type: 'mode';
      readonly to: 'participating' | 'syncing';
      readonly reason: string;
      readonly height: number;
    }
  | { readonly type: 'sync-report'; readonly report: SyncReport }
  | { readonly type: 'stopped' }
  | { readonly type: 'fatal'; readonly message: string };
