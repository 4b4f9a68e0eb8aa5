import type { CommitProof, Hash, SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { HotsyncError } from '../errors.js';

/** A peer's identity as a string (a libp2p PeerId's string form, or a simnet name). */
export type PeerId = string;

/** What a peer says about itself. Claims only: heights count once backed by a commit proof. */
export interface PeerStatus {
  /** Height of the newest block the peer holds as committed. */
  readonly height: number;
  readonly view: number;
  readonly epoch: number;
  /** Hash of the block at `height`. */
  readonly blockHash: Hash;
  /** Oldest height the peer serves blocks from (pruned peers serve a suffix). */
  readonly earliestHeight: number;
  /** Height of the newest snapshot the peer serves, if any. */
  readonly snapshotHeight?: number;
}

/** A verified epoch change needs both: the proof commits the block, the block carries the next set. */
export interface EpochChangeProof {
  readonly proof: CommitProof;
  /** The encoded block that ended the epoch. */
  readonly block: Uint8Array;
}

export interface BlocksByRangeRequest {
  readonly startHeight: number;
  readonly count: number;
}

export interface SnapshotChunkRequest {
  readonly stateRoot: Hash;
  readonly index: number;
}

/**
 * Why a request failed, as the caller sees it. The peer manager maps each kind to a
 * penalty (or to none: `rate-limited` and our own `aborted` are never the peer's fault).
 */
export type RequestFailureKind =
  | 'timeout'
  | 'unavailable'
  | 'rate-limited'
  | 'invalid-request'
  | 'server-error'
  | 'malformed-response'
  | 'oversized-response'
  | 'disconnected'
  | 'aborted';

export class RequestError extends HotsyncError<`request.${RequestFailureKind}`> {
  readonly kind: RequestFailureKind;
  readonly peer: PeerId;
  /** For `rate-limited`: how long the peer asked us to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: RequestFailureKind,
    peer: PeerId,
    message: string,
    options?: { retryAfterMs?: number; cause?: unknown },
  ) {
    super(
      `request.${kind}`,
      `${message} (peer ${peer})`,
      { peer, retryAfterMs: options?.retryAfterMs },
      {
        cause: options?.cause,
      },
    );
    this.kind = kind;
    this.peer = peer;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export type PeerConnectionEvent =
  | { readonly type: 'connected'; readonly peer: PeerId }
  | { readonly type: 'disconnected'; readonly peer: PeerId }
  | { readonly type: 'status'; readonly peer: PeerId; readonly status: PeerStatus };

/**
 * The requests sync makes of other nodes (DESIGN §8). Implemented over libp2p by
 * @hotsync/network and in memory by @hotsync/simnet; the sync engine runs unchanged on both.
 * Every method rejects with RequestError; responses are decoded and size-checked, blocks are
 * returned encoded (so the caller decodes them with its ChainSpec and can blame the sender).
 */
export interface SyncNetwork {
  /** Peers currently connected and speaking the sync protocols. */
  connectedPeers(): readonly PeerId[];
  status(peer: PeerId, signal?: AbortSignal): Promise<PeerStatus>;
  /** Consecutive blocks from `startHeight`, ascending; fewer than `count` when the peer has fewer or hit a size limit. */
  blocksByRange(peer: PeerId, request: BlocksByRangeRequest, signal?: AbortSignal): Promise<Uint8Array[]>;
  /** Blocks by hash, in request order; unknown hashes are left out. */
  blocksByHash(peer: PeerId, hashes: readonly Hash[], signal?: AbortSignal): Promise<Uint8Array[]>;
  /** The commit proof of the block at `height`; `unavailable` when the peer has none. */
  commitProof(peer: PeerId, height: number, signal?: AbortSignal): Promise<CommitProof>;
  /**
   * The commit proof of the block that ended `epoch`, with that block's encoding (it
   * carries the next validator set): how a node learns the sets of epochs it has not
   * synced yet. `unavailable` when the peer does not have it.
   */
  epochChangeProof(peer: PeerId, epoch: number, signal?: AbortSignal): Promise<EpochChangeProof>;
  /** The manifest of the newest snapshot the peer serves. */
  snapshotManifest(peer: PeerId, signal?: AbortSignal): Promise<SnapshotManifest>;
  snapshotChunk(peer: PeerId, request: SnapshotChunkRequest, signal?: AbortSignal): Promise<SnapshotChunk>;
  /** Subscribe to connects, disconnects and status updates; returns the unsubscribe function. */
  onPeerEvent(listener: (event: PeerConnectionEvent) => void): () => void;
}
