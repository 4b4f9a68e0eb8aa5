import type { Block, Hash } from '../chain/types.js';
import type { PeerId } from './network.js';
import type { PenaltyLevel } from './peer-manager.js';
import type { SafetyEvidence } from './verifier.js';

/** The phases of DESIGN §4, each carrying what it is about. */
export type SyncPhase =
  | { readonly name: 'idle' }
  | { readonly name: 'discovering' }
  | { readonly name: 'downloading-snapshot'; readonly snapshotHeight: number }
  | { readonly name: 'downloading-blocks'; readonly fromHeight: number; readonly toHeight: number }
  | { readonly name: 'catching-up'; readonly targetHeight: number }
  | { readonly name: 'synced'; readonly height: number }
  | {
      readonly name: 'failed';
      readonly reason: string;
      readonly lastGoodHeight: number;
      readonly attempts: number;
    };

export type SyncPhaseName = SyncPhase['name'];

export const SYNC_PHASE_NAMES: readonly SyncPhaseName[] = [
  'idle',
  'discovering',
  'downloading-snapshot',
  'downloading-blocks',
  'catching-up',
  'synced',
  'failed',
];

/** One recorded phase change, with why and when. */
export interface PhaseTransition {
  readonly from: SyncPhaseName;
  readonly to: SyncPhase;
  readonly reason: string;
  readonly atMs: number;
}

export type ProgressTrend = 'accelerating' | 'steady' | 'slowing' | 'stalled';

/** Progress of one phase (or of the whole sync). */
export interface ProgressFigures {
  readonly done: number;
  readonly total: number;
  /** done / total, in [0, 1]. */
  readonly fraction: number;
  /** Items per second over the sliding window. */
  readonly ratePerSec: number;
  /** Time left at the current rate; undefined while the rate is zero. */
  readonly etaMs: number | undefined;
  readonly trend: ProgressTrend;
}

export interface SyncProgress {
  readonly phase: SyncPhaseName;
  readonly current: ProgressFigures;
  readonly overall: ProgressFigures;
  readonly phasesDone: readonly string[];
  readonly phasesRemaining: readonly string[];
  /** Time since progress was last made. */
  readonly sinceProgressMs: number;
}

export interface SyncTarget {
  readonly height: number;
  /** When known (e.g. from a verified commit proof), the hash the block at `height` must have. */
  readonly hash?: Hash;
  /** For the fast strategy: the snapshot to import (else it picks the newest proven one). */
  readonly snapshot?: SnapshotId;
}

export interface SyncStatus {
  readonly phase: SyncPhase;
  /** Height of the verified tip in the local store. */
  readonly localHeight: number;
  readonly targetHeight: number | undefined;
  readonly strategy: string | undefined;
  readonly peers: number;
  readonly history: readonly PhaseTransition[];
}

/** How a call to `start()` ended. */
export type SyncOutcome =
  | { readonly kind: 'synced'; readonly height: number; readonly hash: Hash }
  | {
      readonly kind: 'failed';
      readonly reason: string;
      readonly lastGoodHeight: number;
      readonly attempts: number;
      /** A safety violation stopped the sync: the two conflicting certified statements. */
      readonly evidence?: SafetyEvidence;
    }
  | { readonly kind: 'stopped'; readonly height: number };

/** Snapshot identity: the height and the state root the manifest describes. */
export interface SnapshotId {
  readonly height: number;
  readonly stateRoot: Hash;
}

/** Events a SyncManager emits, by name. */
export interface SyncManagerEvents {
  phase: PhaseTransition;
  progress: SyncProgress;
  synced: { readonly height: number; readonly hash: Hash };
  failed: {
    readonly reason: string;
    readonly lastGoodHeight: number;
    readonly attempts: number;
    readonly evidence?: SafetyEvidence;
  };
  'peer:penalized': { readonly peer: PeerId; readonly level: PenaltyLevel; readonly reason: string };
  'peer:banned': { readonly peer: PeerId; readonly reason: string; readonly untilMs: number };
}

/**
 * The sync engine a node drives (DESIGN §4). The default implementation takes strategies,
 * verifier, peer manager, network, store, state machine and clock as constructor arguments.
 */
export interface SyncManager {
  /** Syncs to `target` (default: the network height) and resolves with how it ended; never rejects for a sync failure. */
  start(target?: SyncTarget): Promise<SyncOutcome>;
  /** Stops after the work in flight; verified blocks stay stored. */
  stop(): Promise<void>;
  status(): SyncStatus;
  /** Downloads, verifies and stores [from, to]; returns the verified blocks. */
  syncBlocks(fromHeight: number, toHeight: number, signal?: AbortSignal): Promise<Block[]>;
  /** The block at `height`, verified; undefined when no peer has it. */
  syncSingleBlock(height: number, signal?: AbortSignal): Promise<Block | undefined>;
  /** Verifies consecutive blocks following the local tip (no storing); true when all checks pass. */
  verifyBlockChain(blocks: readonly Block[]): Promise<boolean>;
  /** Brings the application state to `height` (snapshot or replay as needed). */
  syncStateToHeight(height: number, signal?: AbortSignal): Promise<void>;
  downloadStateSnapshot(id: SnapshotId, signal?: AbortSignal): Promise<void>;
  /** True when the local state root equals the certified root at `height`. */
  verifyStateConsistency(height: number): Promise<boolean>;
  addSyncPeer(peer: PeerId, options?: { trusted?: boolean }): void;
  removeSyncPeer(peer: PeerId): void;
  syncPeers(): readonly PeerId[];
  progress(): SyncProgress;
  /** Milliseconds to completion at the current rate; undefined while it cannot be estimated. */
  estimateCompletion(): number | undefined;
  on<E extends keyof SyncManagerEvents>(
    event: E,
    listener: (payload: SyncManagerEvents[E]) => void,
  ): () => void;
}
