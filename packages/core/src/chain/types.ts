/**
 * The reference HotStuff-2 chain model (DESIGN §2). Heights, views, epochs and timestamps
 * are safe-integer numbers here and u64 big-endian on the wire; voting power is a bigint.
 */

/** A 32-byte hash. */
export type Hash = Uint8Array;
/** A 32-byte Ed25519 public key. */
export type PublicKey = Uint8Array;
/** A 64-byte Ed25519 signature. */
export type Signature = Uint8Array;

export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;
export const CHAIN_ID_LENGTH = 32;
/** The only header version this codec reads and writes. */
export const HEADER_VERSION = 1;

export interface BlockHeader {
  readonly version: number;
  readonly chainId: Uint8Array;
  readonly epoch: number;
  readonly height: number;
  readonly view: number;
  readonly parentHash: Hash;
  /** Hash of the QC this block carries for its parent (`qcHash(block.justify)`). */
  readonly justifyHash: Hash;
  /** Merkle root of the transactions (`transactionsRoot(block.payload)`). */
  readonly payloadHash: Hash;
  /** State root after executing this block. */
  readonly stateRoot: Hash;
  /** Hash of the next epoch's validator set; non-zero only on the block that ends an epoch. */
  readonly nextValidatorSetHash: Hash;
  /** Index of the proposer in this epoch's validator set. */
  readonly proposer: number;
  readonly timestampMs: number;
}

/**
 * `prepare` votes certify a block (a QC); `commit` votes on an already certified block make
 * a double certificate, which commits it on its own.
 */
export type VotePhase = 'prepare' | 'commit';

export interface Vote {
  readonly epoch: number;
  readonly view: number;
  readonly height: number;
  readonly blockHash: Hash;
  readonly phase: VotePhase;
}

export interface QuorumCertificate {
  readonly vote: Vote;
  /** Size of the validator set the bitmap refers to (n). */
  readonly validatorCount: number;
  /** ceil(n/8) bytes; bit i (byte i>>3, mask 1<<(i&7)) set when validator i signed. */
  readonly signers: Uint8Array;
  /** One signature per set bit, in validator order. */
  readonly signatures: readonly Signature[];
}

export interface Validator {
  readonly publicKey: PublicKey;
  readonly votingPower: bigint;
}

export interface ValidatorSet {
  readonly epoch: number;
  /** Sorted by public key (bytewise ascending), no duplicates, every power > 0. */
  readonly validators: readonly Validator[];
}

export interface Block {
  readonly header: BlockHeader;
  /** QC for the parent block. The genesis block carries an empty QC (no signers). */
  readonly justify: QuorumCertificate;
  /** Opaque transactions; the chain's state machine gives them meaning. */
  readonly payload: readonly Uint8Array[];
  /** Present exactly when `header.nextValidatorSetHash` is non-zero (the epoch-ending block). */
  readonly nextValidatorSet?: ValidatorSet;
}

/**
 * Proof that `header` is committed (DESIGN §2). A single QC proves certification only.
 * - `two-chain`: `qc` certifies `header`; `child` extends it (`child.parentHash = hash(header)`,
 *   `child.justifyHash = qcHash(qc)`, `child.view = header.view + 1`) and `childQc` certifies `child`.
 * - `double-cert`: `qc` (prepare) and `commitQc` (commit phase) for the same block and view.
 */
export type CommitProof =
  | {
      readonly kind: 'two-chain';
      readonly header: BlockHeader;
      readonly qc: QuorumCertificate;
      readonly child: BlockHeader;
      readonly childQc: QuorumCertificate;
    }
  | {
      readonly kind: 'double-cert';
      readonly header: BlockHeader;
      readonly qc: QuorumCertificate;
      readonly commitQc: QuorumCertificate;
    };

/** Genesis or a waypoint the operator trusts: sync starts from here. */
export interface TrustAnchor {
  readonly chainId: Uint8Array;
  readonly height: number;
  readonly blockHash: Hash;
  /** Validator set of the epoch that certifies the blocks after the anchor. */
  readonly validatorSet: ValidatorSet;
}

/**
 * Describes a state snapshot a peer can serve. Only `stateRoot` carries trust, and only
 * after it has been matched against a header at `height` that has a verified commit proof.
 */
export interface SnapshotManifest {
  readonly height: number;
  readonly blockHash: Hash;
  readonly stateRoot: Hash;
  /** Identifies the state machine's chunk format, so a node never imports a foreign format. */
  readonly format: number;
  readonly chunkCount: number;
  readonly totalBytes: number;
}

/** One chunk of a snapshot: state-machine-defined bytes (entries and their range proof). */
export interface SnapshotChunk {
  readonly stateRoot: Hash;
  readonly index: number;
  readonly data: Uint8Array;
}
