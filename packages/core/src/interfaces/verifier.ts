import type {
  Block,
  BlockHeader,
  CommitProof,
  Hash,
  QuorumCertificate,
  SnapshotChunk,
  SnapshotManifest,
  ValidatorSet,
} from '../chain/types.js';
import type { VerificationMode } from '../config.js';
import { HotsyncError } from '../errors.js';
import type { PeerId } from './network.js';
import type { StateMachine } from './state-machine.js';

/** Every check the verification pipeline makes; a failure names exactly one. */
export type VerificationCheck =
  | 'structure.decode'
  | 'structure.chain-id'
  | 'structure.payload-hash'
  | 'structure.justify-hash'
  | 'structure.next-validator-set'
  | 'qc.shape'
  | 'qc.epoch'
  | 'qc.vote'
  | 'qc.signature'
  | 'qc.quorum'
  | 'link.parent'
  | 'link.height'
  | 'view.order'
  | 'justify.view'
  | 'time.order'
  | 'time.future'
  | 'epoch.boundary'
  | 'epoch.next-set'
  | 'commit.proof'
  | 'commit.views'
  | 'commit.target'
  | 'state.execution'
  | 'state.root'
  | 'snapshot.manifest'
  | 'snapshot.chunk'
  | 'snapshot.root'
  | 'safety.conflicting-qc'
  | 'safety.conflicting-commit';

/**
 * Two certified statements that cannot both hold: kept as evidence of a safety violation,
 * with the peer each came from when known (absent for our own stored proof).
 */
export type SafetyEvidence = (
  | { readonly kind: 'conflicting-qc'; readonly first: QuorumCertificate; readonly second: QuorumCertificate }
  | { readonly kind: 'conflicting-commit'; readonly first: CommitProof; readonly second: CommitProof }
) & { readonly firstPeer?: PeerId; readonly secondPeer?: PeerId };

export interface VerificationFailure {
  readonly check: VerificationCheck;
  readonly message: string;
  readonly height?: number;
  /** The peer the offending data came from: the one to blame. */
  readonly peer?: PeerId;
  readonly evidence?: SafetyEvidence;
}

export type Verification<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: VerificationFailure };

/** Thrown (rather than returned) where a safety violation must stop everything. */
export class SafetyViolationError extends HotsyncError<'safety.violation'> {
  readonly evidence: SafetyEvidence;
  constructor(message: string, evidence: SafetyEvidence) {
    super('safety.violation', message, { kind: evidence.kind });
    this.evidence = evidence;
  }
}

/** A verification failure where an exception is the natural flow (the failure is a value inside). */
export class VerificationFailureError extends HotsyncError<`verification.${VerificationCheck}`> {
  readonly failure: VerificationFailure;
  constructor(failure: VerificationFailure) {
    super(`verification.${failure.check}`, failure.message, {
      check: failure.check,
      height: failure.height,
      peer: failure.peer,
    });
    this.failure = failure;
  }
}

/** The newest block already verified: everything after it is checked against it. */
export interface TrustedPoint {
  readonly height: number;
  readonly hash: Hash;
  readonly view: number;
  readonly epoch: number;
  readonly timestampMs: number;
  readonly stateRoot: Hash;
  /** The set that certifies the block after this one (the next epoch's, when this block ends an epoch). */
  readonly validatorSet: ValidatorSet;
}

/** A block as it arrived: its encoding and who sent it. */
export interface ReceivedBlock {
  readonly bytes: Uint8Array;
  readonly peer: PeerId;
}

export interface RangeVerificationRequest {
  readonly trusted: TrustedPoint;
  /** Consecutive blocks following `trusted`. */
  readonly blocks: readonly ReceivedBlock[];
  /** Proof that the last block is committed (required unless the range ends at a block the caller already trusts). */
  readonly commitProof?: { readonly proof: CommitProof; readonly peer: PeerId };
  readonly mode: VerificationMode;
}

export interface VerifiedRange<B = Block> {
  /** The range's last block, now trusted. */
  readonly tip: TrustedPoint;
  /** The decoded blocks, in order. */
  readonly blocks: readonly B[];
  /** Validator sets learned from epoch-ending blocks in the range. */
  readonly validatorSets: readonly ValidatorSet[];
  readonly signaturesChecked: number;
  /** `peers[i]` sent `blocks[i]`: a later stage (state root) blames the right one. */
  readonly peers: readonly PeerId[];
  /** Recomputed hash of each block. */
  readonly hashes: readonly Hash[];
  /** Each block's canonical encoding, as received: what the store keeps and serves. */
  readonly encoded: readonly Uint8Array[];
  /** The verified commit proof of the last block, when the range came with one. */
  readonly commitProof?: CommitProof;
}

/**
 * The verification pipeline (DESIGN §3), implemented by @hotsync/validation. Results are
 * values, not exceptions: a failure names the check, the height and the peer to blame.
 */
export interface BlockVerifier<B = Block> {
  /** Stages 1–3 (structure, consensus rules, signatures) over a range; no state is touched. */
  verifyRange(
    request: RangeVerificationRequest,
    signal?: AbortSignal,
  ): Promise<Verification<VerifiedRange<B>>>;
  /**
   * Checks a commit proof against the set of its header's epoch; returns the committed header.
   * A two-chain whose header ends an epoch has its child certified by the next set: pass it
   * as `nextValidatorSet` (it counts only if it hashes to the header's `nextValidatorSetHash`).
   */
  verifyCommitProof(
    proof: CommitProof,
    validatorSet: ValidatorSet,
    peer?: PeerId,
    nextValidatorSet?: ValidatorSet,
  ): Promise<Verification<BlockHeader>>;
  /** A proof against the commits seen so far, without recording it: `safety.conflicting-commit` on a conflict. */
  checkCommitConflict(proof: CommitProof, peer?: PeerId): Verification<void>;
  /** A manifest against the committed block it claims to describe (height, hash, root, format). */
  verifySnapshotManifest(
    stateMachine: StateMachine,
    manifest: SnapshotManifest,
    committed: { readonly height: number; readonly hash: Hash; readonly stateRoot: Hash },
    peer?: PeerId,
  ): Verification<void>;
  /**
   * Stage 4: executes the verified blocks through the state machine and compares roots
   * (every block in `full` mode, the last in `anchored`); on a mismatch the state is rolled back.
   */
  applyAndCheckState(
    stateMachine: StateMachine,
    range: VerifiedRange<B>,
    mode: VerificationMode,
  ): Promise<Verification<Hash>>;
  verifySnapshotChunk(
    stateMachine: StateMachine,
    manifest: SnapshotManifest,
    chunk: SnapshotChunk,
    peer?: PeerId,
  ): Verification<void>;
  /** Stops worker threads; the verifier is unusable afterwards. */
  close(): Promise<void>;
}
