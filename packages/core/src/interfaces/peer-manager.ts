import type { PeerId, PeerStatus, RequestFailureKind } from './network.js';

/** How much a fault weighs (DESIGN §6): fatal bans at once, low takes many repeats. */
export type PenaltyLevel = 'fatal' | 'high' | 'mid' | 'low';

/** What happened when we asked a peer for something, reported after every request. */
export type RequestOutcome =
  | {
      readonly kind: 'success';
      readonly latencyMs: number;
      readonly bytes: number;
      /** Useful items delivered (blocks, chunks). */
      readonly items: number;
    }
  | { readonly kind: 'failure'; readonly failure: RequestFailureKind; readonly retryAfterMs?: number }
  /** The peer sent data that failed verification; `check` names the failed check. */
  | { readonly kind: 'invalid-data'; readonly check: string; readonly height?: number };

export interface PeerSelectionRequest {
  /** Every chosen peer must have proven a height at least this high. */
  readonly minHeight: number;
  /** The range start: peers pruned above it (`PeerStatus.earliestHeight`) are skipped. */
  readonly fromHeight?: number;
  readonly count: number;
  readonly exclude?: ReadonlySet<PeerId>;
}

export interface NetworkHeightEstimate {
  /** Robust estimate (median of proven heights); undefined without enough proven peers. */
  readonly height: number | undefined;
  /** How many peers' heights it was computed from. */
  readonly basis: number;
  /** False when computed from claims (only with `allowUnproven` and too few proofs): a hint, not a target. */
  readonly proven: boolean;
  /** Highest proven height: a commit proof cannot be forged, so a safe lower bound even from one peer. */
  readonly maxProvenHeight: number | undefined;
}

export interface PeerSummary {
  readonly peer: PeerId;
  readonly score: number;
  readonly trusted: boolean;
  readonly banned: boolean;
  readonly status: PeerStatus | undefined;
  /** Highest height the peer backed with a verified commit proof. */
  readonly provenHeight: number;
  readonly inFlight: number;
}

export type PeerManagerEvent =
  | {
      readonly type: 'penalized';
      readonly peer: PeerId;
      readonly level: PenaltyLevel;
      readonly reason: string;
    }
  | { readonly type: 'banned'; readonly peer: PeerId; readonly reason: string; readonly untilMs: number }
  | { readonly type: 'unbanned'; readonly peer: PeerId; readonly reason: 'expired' | 'manual' }
  /** The score reached the disconnect threshold: the network layer should close the connection. */
  | { readonly type: 'disconnect'; readonly peer: PeerId; readonly reason: string }
  /** Most peers fail at once (open): timeouts and disconnects are suspected to be ours and not penalized. */
  | { readonly type: 'circuit'; readonly open: boolean };

/**
 * Which peers to ask, learned from every response (DESIGN §6). Implemented by
 * @hotsync/peers. Strategies call `selectPeers`, `acquire`/`release` around each request and
 * `recordOutcome` after it.
 */
export interface PeerManager {
  addPeer(peer: PeerId, options?: { trusted?: boolean }): void;
  removePeer(peer: PeerId): void;
  /** A status claim; `provenHeight` is set only after a commit proof for it verified. */
  updateStatus(peer: PeerId, status: PeerStatus, provenHeight?: number): void;
  recordOutcome(peer: PeerId, outcome: RequestOutcome): void;
  /** Best usable peers for a request, best first; fewer than `count` (or none) when not enough qualify. */
  selectPeers(request: PeerSelectionRequest): PeerId[];
  /** Marks one request in flight; false when the peer is at its limit or unusable. */
  acquire(peer: PeerId): boolean;
  release(peer: PeerId): void;
  isBanned(peer: PeerId): boolean;
  /** `allowUnproven`: with too few proven heights, fall back on the median of claims (flagged `proven: false`). */
  networkHeight(options?: { readonly allowUnproven?: boolean }): NetworkHeightEstimate;
  peers(): readonly PeerSummary[];
  onEvent(listener: (event: PeerManagerEvent) => void): () => void;
  /** Starts periodic work (rotation, ban expiry) on the injected clock; idempotent. */
  start(): void;
  /** Stops it and resolves once pending ban writes reached the store. */
  stop(): Promise<void>;
}
