import type { Block, PeerId, VerifiedRange } from '@hotsync/core';
import { StrategyError } from '../errors.js';
import { assertNever } from '../util/assert-never.js';

/** Blocks as one peer sent them for a batch: the first at the batch's `from` (when it arrived). */
export interface BatchData {
  readonly peer: PeerId;
  readonly from: number;
  readonly blocks: readonly Uint8Array[];
  readonly bytes: number;
  readonly latencyMs: number;
}

/** Where a batch being processed is. */
export type ProcessingStep =
  | { readonly stage: 'verifying' }
  /** Verified against the tip of the batch before it; waiting for its turn to be executed and stored. */
  | { readonly stage: 'verified'; readonly range: VerifiedRange<Block> }
  | { readonly stage: 'committing'; readonly range: VerifiedRange<Block> };

/**
 * The life of a batch (DESIGN §5, the seed's download coordinator):
 * `AwaitingDownload → Downloading(peer) → AwaitingProcessing → Processing → Done`, and
 * `Failed(attempts)` when a download or its verification failed (it is then downloaded
 * again from another peer, up to the attempt limit). `attempts` counts failures so far.
 */
export type BatchState =
  | { readonly kind: 'awaiting-download'; readonly attempts: number }
  | {
      readonly kind: 'downloading';
      /** The peer asked; two when the range holds up the pipeline and was asked of a second peer too (hedged). */
      readonly peers: readonly PeerId[];
      readonly attempts: number;
      readonly startedAtMs: number;
    }
  | { readonly kind: 'awaiting-processing'; readonly attempts: number; readonly data: BatchData }
  | {
      readonly kind: 'processing';
      readonly attempts: number;
      readonly data: BatchData;
      readonly step: ProcessingStep;
    }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly attempts: number; readonly reason: string };

export type BatchStateKind = BatchState['kind'];

/** What happens to a batch; `applyEvent` says which state it leads to from which. */
export type BatchEvent =
  | { readonly type: 'dispatch'; readonly peer: PeerId; readonly atMs: number }
  /** A second peer is asked for a range that holds up the pipeline; the first answer wins. */
  | { readonly type: 'hedge'; readonly peer: PeerId }
  | { readonly type: 'downloaded'; readonly data: BatchData }
  /** `peer`'s download failed; `attempt: false` for what is not the batch's fault (back-pressure). */
  | {
      readonly type: 'download-failed';
      readonly peer: PeerId;
      readonly reason: string;
      readonly attempt: boolean;
    }
  /** We cancelled `peer`'s download (stopping). */
  | { readonly type: 'cancelled'; readonly peer: PeerId }
  | { readonly type: 'verify' }
  | { readonly type: 'verified'; readonly range: VerifiedRange<Block> }
  /** The data failed verification or execution, or no end of it could be proven. */
  | { readonly type: 'rejected'; readonly reason: string }
  | { readonly type: 'commit' }
  /** Stored; `rest` when the verified range ended before the batch's end (the rest is fetched again). */
  | { readonly type: 'committed'; readonly rest: boolean }
  /** A batch before it failed after this one was verified (or while it was verified) against it: verify it again. */
  | { readonly type: 'requeue' };

function invalid(state: BatchState, event: BatchEvent): never {
  throw new StrategyError(
    'strategy.invalid-transition',
    `batch event ${event.type} is not allowed in state ${state.kind}`,
    { state: state.kind, event: event.type },
  );
}

/** The state `event` leads to from `state`; throws StrategyError for a transition the machine does not have (a bug). */
export function applyEvent(state: BatchState, event: BatchEvent): BatchState {
  switch (event.type) {
    case 'dispatch':
      if (state.kind !== 'awaiting-download' && state.kind !== 'failed') return invalid(state, event);
      return { kind: 'downloading', peers: [event.peer], attempts: state.attempts, startedAtMs: event.atMs };
    case 'hedge':
      if (state.kind !== 'downloading' || state.peers.includes(event.peer)) return invalid(state, event);
      return { ...state, peers: [...state.peers, event.peer] };
    case 'downloaded':
      if (state.kind !== 'downloading' || !state.peers.includes(event.data.peer))
        return invalid(state, event);
      return { kind: 'awaiting-processing', attempts: state.attempts, data: event.data };
    case 'download-failed': {
      if (state.kind !== 'downloading' || !state.peers.includes(event.peer)) return invalid(state, event);
      const attempts = state.attempts + (event.attempt ? 1 : 0);
      const others = state.peers.filter((p) => p !== event.peer);
      // The other request of a hedged range may still bring it.
      if (others.length > 0) return { ...state, peers: others, attempts };
      return event.attempt
        ? { kind: 'failed', attempts, reason: event.reason }
        : { kind: 'awaiting-download', attempts };
    }
    case 'cancelled': {
      if (state.kind !== 'downloading' || !state.peers.includes(event.peer)) return invalid(state, event);
      const others = state.peers.filter((p) => p !== event.peer);
      if (others.length > 0) return { ...state, peers: others };
      return { kind: 'awaiting-download', attempts: state.attempts };
    }
    case 'verify':
      if (state.kind !== 'awaiting-processing') return invalid(state, event);
      return { kind: 'processing', attempts: state.attempts, data: state.data, step: { stage: 'verifying' } };
    case 'verified':
      if (state.kind !== 'processing' || state.step.stage !== 'verifying') return invalid(state, event);
      return { ...state, step: { stage: 'verified', range: event.range } };
    case 'rejected':
      if (state.kind !== 'processing') return invalid(state, event);
      return { kind: 'failed', attempts: state.attempts + 1, reason: event.reason };
    case 'commit':
      if (state.kind !== 'processing' || state.step.stage !== 'verified') return invalid(state, event);
      return { ...state, step: { stage: 'committing', range: state.step.range } };
    case 'committed':
      if (state.kind !== 'processing' || state.step.stage !== 'committing') return invalid(state, event);
      return event.rest ? { kind: 'awaiting-download', attempts: 0 } : { kind: 'done' };
    case 'requeue':
      if (state.kind !== 'processing' || state.step.stage === 'committing') return invalid(state, event);
      return { kind: 'awaiting-processing', attempts: state.attempts, data: state.data };
    default:
      return assertNever(event);
  }
}

/** Blocks a batch holds in memory in `state` (downloaded, not yet stored). */
export function heldBlocks(state: BatchState): number {
  switch (state.kind) {
    case 'awaiting-processing':
    case 'processing':
      return state.data.blocks.length;
    case 'awaiting-download':
    case 'downloading':
    case 'done':
    case 'failed':
      return 0;
    default:
      return assertNever(state);
  }
}

/** A range of heights the coordinator obtains as a unit, and where it is in its life. */
export class Batch {
  private current: BatchState = { kind: 'awaiting-download', attempts: 0 };
  /** Peers that failed this batch: it goes to others first. */
  readonly excluded = new Set<PeerId>();

  constructor(
    readonly id: number,
    /** First height still to obtain (moves up when an earlier range grew into it or when a part was stored). */
    public from: number,
    readonly to: number,
    /** Blocks reserved in the look-ahead window for it (its request size, extras included). */
    readonly reserved: number,
    private readonly onTransition?: (t: BatchTransition) => void,
  ) {}

  get state(): BatchState {
    return this.current;
  }

  apply(event: BatchEvent): BatchState {
    const from = this.current.kind;
    this.current = applyEvent(this.current, event);
    this.onTransition?.({ batch: this.id, from, to: this.current.kind, event: event.type });
    return this.current;
  }
}

/** One recorded change of a batch's state (for instrumentation and tests). */
export interface BatchTransition {
  readonly batch: number;
  readonly from: BatchStateKind;
  readonly to: BatchStateKind;
  readonly event: BatchEvent['type'];
}
