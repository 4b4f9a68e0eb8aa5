import {
  type Block,
  type BlockHeader,
  type BlockVerifier,
  bytesEqual,
  type ChainSpec,
  type Clock,
  type CommitProof,
  type Hash,
  headerHash,
  type PeerId,
  type RangeVerificationRequest,
  referenceChainSpec,
  type SafetyEvidence,
  type SnapshotChunk,
  type SnapshotManifest,
  type StateMachine,
  type TrustedPoint,
  throwIfAborted,
  type ValidatorSet,
  type Verification,
  type VerificationMode,
  type VerifiedRange,
} from '@hotsync/core';
import { createBuiltinBackend } from './backends/builtin.js';
import type { BuiltinBackendName, SignatureBackend } from './backends/signature-backend.js';
import { checkCommitProofShape, type SetLookup } from './commit-proof.js';
import { ValidationError } from './errors.js';
import { SignaturePool, type SignaturePoolStats } from './pool/signature-pool.js';
import { mainThreadRunner, type SignatureRunner } from './pool/signature-runner.js';
import { fail, ok, short } from './result.js';
import { SafetyMonitor } from './safety-monitor.js';
import { checkConsensusRules } from './stages/consensus-rules.js';
import { type QcTask, verifyQcs } from './stages/signatures.js';
import { applyAndCheckState, verifySnapshotChunk, verifySnapshotManifest } from './stages/state.js';
import { checkStructure } from './stages/structure.js';

export interface VerifierOptions<B = Block> {
  /** The chain this node follows; blocks and proofs of any other are refused. */
  readonly chainId: Uint8Array;
  /** Time source for the future-timestamp rule (inject a manual clock in tests and simnet). */
  readonly clock: Clock;
  /** The block format (default: the reference HotStuff-2 format). */
  readonly spec?: ChainSpec<B>;
  /**
   * Ed25519 backend (default `node`). A custom object runs on the main thread only: a
   * function cannot cross to a worker thread.
   */
  readonly backend?: BuiltinBackendName | SignatureBackend;
  /** Signature worker threads: `auto` (default) = `os.availableParallelism()`, 0 = main thread only. */
  readonly workers?: number | 'auto';
  /** Signature checks below which a batch stays on the main thread (default 64). */
  readonly minParallelChecks?: number;
  /** Signature checks per worker message (default 256). */
  readonly workerBatchSize?: number;
  /** How far a block timestamp may be ahead of `clock.now()` (default 30,000 ms). */
  readonly maxFutureDriftMs?: number;
  /** Verified QCs and commits remembered for safety checks (default 8192 each). */
  readonly safetyWindow?: number;
  /** Validator sets remembered by epoch (default 64). */
  readonly knownSetWindow?: number;
  /** Told when a signature worker fails (its work is redone on the main thread). */
  readonly onWorkerFailure?: (error: Error) => void;
}

/** What `verifyRange` returns: core's VerifiedRange plus what stage 4 and callers use. */
export interface VerifiedBlockRange<B = Block> extends VerifiedRange<B> {
  readonly mode: VerificationMode;
  /** QCs whose signatures were verified (justify QCs and the commit proof's). */
  readonly qcsChecked: number;
}

/** A range given as decoded blocks (the SyncManager's `verifyBlockChain`). */
export interface BlockChainRequest<B> {
  readonly trusted: TrustedPoint;
  readonly blocks: readonly B[];
  readonly peer: PeerId;
  readonly commitProof?: CommitProof;
  readonly mode: VerificationMode;
}

/**
 * The verification pipeline (DESIGN §3) behind core's `BlockVerifier`. One instance per
 * chain: it remembers verified QCs, commits and validator sets, so a conflicting certificate
 * seen later is caught as a safety violation.
 */
export class Verifier<B = Block> implements BlockVerifier<B> {
  readonly spec: ChainSpec<B>;
  private readonly chainId: Uint8Array;
  private readonly clock: Clock;
  private readonly maxFutureDriftMs: number;
  private readonly runner: SignatureRunner;
  private readonly pool: SignaturePool | undefined;
  private readonly monitor: SafetyMonitor;
  private readonly knownSets = new Map<number, ValidatorSet>();
  private readonly knownSetWindow: number;
  private closed = false;

  constructor(options: VerifierOptions<B> & { readonly spec: ChainSpec<B> }) {
    if (options.chainId.length !== 32) {
      throw new ValidationError('validation.invalid-option', 'chainId must be 32 bytes');
    }
    const drift = options.maxFutureDriftMs ?? 30_000;
    if (!Number.isSafeInteger(drift) || drift < 0) {
      throw new ValidationError(
        'validation.invalid-option',
        `maxFutureDriftMs must be an integer >= 0, got ${drift}`,
      );
    }
    this.spec = options.spec;
    this.chainId = options.chainId.slice();
    this.clock = options.clock;
    this.maxFutureDriftMs = drift;
    this.monitor = new SafetyMonitor({ qcWindow: options.safetyWindow, commitWindow: options.safetyWindow });
    this.knownSetWindow = options.knownSetWindow ?? 64;
    const backend = options.backend ?? 'node';
    const workers = options.workers ?? 'auto';
    if (typeof backend === 'string' && workers !== 0) {
      this.pool = new SignaturePool({
        backend,
        workers,
        minParallelChecks: options.minParallelChecks,
        batchSize: options.workerBatchSize,
        onWorkerFailure: options.onWorkerFailure,
      });
      this.runner = this.pool;
    } else {
      this.runner = mainThreadRunner(typeof backend === 'string' ? createBuiltinBackend(backend) : backend);
    }
  }

  /** Worker pool counters (undefined when signatures run on the main thread only). */
  poolStats(): SignaturePoolStats | undefined {
    return this.pool?.stats();
  }

  async verifyRange(
    request: RangeVerificationRequest,
    signal?: AbortSignal,
  ): Promise<Verification<VerifiedBlockRange<B>>> {
    this.assertOpen();
    throwIfAborted(signal);
    const { trusted, mode } = request;
    this.rememberSet(trusted.validatorSet);

    // Stage 1: structure, block by block.
    const structure = checkStructure(this.spec, this.chainId, trusted.height + 1, request.blocks, signal);
    if (!structure.ok) return structure;
    const decoded = structure.value;
    const last = decoded[decoded.length - 1];

    // Stage 2: consensus rules over the range, then the commit proof of its last block.
    const rules = checkConsensusRules(
      trusted,
      decoded,
      { clock: this.clock, maxFutureDriftMs: this.maxFutureDriftMs, mode, knownSet: this.knownSet },
      signal,
    );
    if (!rules.ok) return rules;
    const { qcTasks, sets, learnedSets, nextSet } = rules.value;
    const tasks: QcTask[] = [...qcTasks];
    const proof = request.commitProof;
    if (last && proof) {
      const proofSite = { height: last.expectedHeight, peer: proof.peer };
      const proofHash = headerHash(proof.proof.header);
      if (!bytesEqual(proofHash, last.hash)) {
        return fail(
          'commit.target',
          `commit proof is for block ${short(proofHash)}…, the range ends at ${short(last.hash)}…`,
          proofSite,
        );
      }
      const shape = checkCommitProofShape(proof.proof, this.chainId, (e) => sets.get(e), proof.peer);
      if (!shape.ok) return shape;
      tasks.push(...shape.value.tasks);
    } else if (last) {
      // Without a proof the range must end at a block a verified proof already committed.
      const committed = this.monitor.committedHash(last.height);
      if (!committed || !bytesEqual(committed, last.hash)) {
        return fail(
          'commit.proof',
          'range has no commit proof and its last block is not known to be committed',
          {
            height: last.expectedHeight,
            peer: last.peer,
          },
        );
      }
    }

    // Stage 3: signatures of the QCs that carry trust in this mode.
    throwIfAborted(signal);
    const signatures = await verifyQcs(tasks, this.chainId, this.runner, signal);
    if (!signatures.ok) return signatures;

    // Safety: every verified QC and the commit against what this verifier saw before.
    for (const t of tasks) {
      const evidence = this.monitor.observeQc(t.qc, t.peer);
      if (evidence) return this.violation(evidence, t.height, t.peer);
    }
    if (proof) {
      const evidence = this.monitor.observeCommit(proof.proof, proof.peer);
      if (evidence) return this.violation(evidence, proof.proof.header.height, proof.peer);
    }
    for (const set of learnedSets) this.rememberSet(set);

    const tip: TrustedPoint = last
      ? {
          height: last.height,
          hash: last.hash,
          view: last.view,
          epoch: last.epoch,
          timestampMs: last.timestampMs,
          stateRoot: this.spec.stateRoot(last.block),
          validatorSet: nextSet,
        }
      : trusted;
    return ok({
      tip,
      blocks: decoded.map((d) => d.block),
      validatorSets: learnedSets,
      signaturesChecked: signatures.value.signatures,
      peers: decoded.map((d) => d.peer),
      hashes: decoded.map((d) => d.hash),
      encoded: request.blocks.map((b) => b.bytes),
      ...(proof && { commitProof: proof.proof }),
      mode,
      qcsChecked: signatures.value.qcs,
    });
  }

  /** `verifyRange` for blocks already decoded: re-encoded canonically, then verified from the bytes. */
  verifyBlocks(
    request: BlockChainRequest<B>,
    signal?: AbortSignal,
  ): Promise<Verification<VerifiedBlockRange<B>>> {
    return this.verifyRange(
      {
        trusted: request.trusted,
        blocks: request.blocks.map((b) => ({ bytes: this.spec.encode(b), peer: request.peer })),
        ...(request.commitProof && { commitProof: { proof: request.commitProof, peer: request.peer } }),
        mode: request.mode,
      },
      signal,
    );
  }

  /**
   * A commit proof on its own, against the set of its header's epoch. A two-chain whose
   * header ends an epoch has its child certified by the next set: pass it as
   * `nextValidatorSet` (it counts only if it hashes to the header's `nextValidatorSetHash`),
   * else a set this verifier learned from a verified epoch-ending block is used.
   */
  async verifyCommitProof(
    proof: CommitProof,
    validatorSet: ValidatorSet,
    peer?: PeerId,
    nextValidatorSet?: ValidatorSet,
  ): Promise<Verification<BlockHeader>> {
    this.assertOpen();
    const site = { height: proof.header.height, peer };
    if (validatorSet.epoch !== proof.header.epoch) {
      return fail(
        'qc.epoch',
        `validator set of epoch ${validatorSet.epoch} for a block of epoch ${proof.header.epoch}`,
        site,
      );
    }
    const setOf: SetLookup = (e) => {
      if (e === validatorSet.epoch) return validatorSet;
      if (nextValidatorSet && e === nextValidatorSet.epoch) return nextValidatorSet;
      return this.knownSet(e);
    };
    const shape = checkCommitProofShape(proof, this.chainId, setOf, peer);
    if (!shape.ok) return shape;
    const signatures = await verifyQcs(shape.value.tasks, this.chainId, this.runner);
    if (!signatures.ok) return signatures;
    for (const t of shape.value.tasks) {
      const evidence = this.monitor.observeQc(t.qc, peer);
      if (evidence) return this.violation(evidence, t.height, peer);
    }
    const evidence = this.monitor.observeCommit(proof, peer);
    if (evidence) return this.violation(evidence, proof.header.height, peer);
    return ok(proof.header);
  }

  /**
   * Checks a (verified) commit proof against the commits this verifier has seen, without
   * recording it: `safety.conflicting-commit` with both proofs when another block was
   * committed at its height.
   */
  checkCommitConflict(proof: CommitProof, peer?: PeerId): Verification<void> {
    const evidence = this.monitor.checkCommit(proof, peer);
    return evidence ? this.violation(evidence, proof.header.height, peer) : ok(undefined);
  }

  /** Hash committed at `height` by a commit proof this verifier verified, if remembered. */
  committedHash(height: number): Hash | undefined {
    return this.monitor.committedHash(height);
  }

  applyAndCheckState(
    stateMachine: StateMachine,
    range: VerifiedRange<B> & { readonly peers?: readonly PeerId[] },
    mode: VerificationMode,
  ): Promise<Verification<Hash>> {
    this.assertOpen();
    return applyAndCheckState(this.spec, stateMachine, range, mode);
  }

  verifySnapshotChunk(
    stateMachine: StateMachine,
    manifest: SnapshotManifest,
    chunk: SnapshotChunk,
    peer?: PeerId,
  ): Verification<void> {
    this.assertOpen();
    return verifySnapshotChunk(stateMachine, manifest, chunk, peer);
  }

  /** A manifest against the committed block it claims to describe (before any chunk is fetched). */
  verifySnapshotManifest(
    stateMachine: StateMachine,
    manifest: SnapshotManifest,
    committed: { readonly height: number; readonly hash: Hash; readonly stateRoot: Hash },
    peer?: PeerId,
  ): Verification<void> {
    this.assertOpen();
    return verifySnapshotManifest(stateMachine, manifest, committed, peer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.runner.close();
  }

  private readonly knownSet: SetLookup = (epoch) => this.knownSets.get(epoch);

  private rememberSet(set: ValidatorSet): void {
    if (this.knownSets.has(set.epoch)) return;
    while (this.knownSets.size >= this.knownSetWindow)
      this.knownSets.delete(this.knownSets.keys().next().value!);
    this.knownSets.set(set.epoch, set);
  }

  private violation<T>(evidence: SafetyEvidence, height: number, peer: PeerId | undefined): Verification<T> {
    const check = evidence.kind === 'conflicting-qc' ? 'safety.conflicting-qc' : 'safety.conflicting-commit';
    const what =
      evidence.kind === 'conflicting-qc'
        ? `two valid QCs for different blocks in epoch ${evidence.first.vote.epoch} view ${evidence.first.vote.view}`
        : `two commit proofs for different blocks at height ${evidence.first.header.height}`;
    return fail(check, `safety violation: ${what}`, { height, peer, evidence });
  }

  private assertOpen(): void {
    if (this.closed) throw new ValidationError('validation.closed', 'verifier is closed');
  }
}

/** A verifier for the reference HotStuff-2 format (or, with `spec`, for your own). */
export function createVerifier(options: VerifierOptions<Block>): Verifier<Block>;
export function createVerifier<B>(options: VerifierOptions<B> & { readonly spec: ChainSpec<B> }): Verifier<B>;
export function createVerifier<B>(options: VerifierOptions<B>): Verifier<B> {
  const spec = options.spec ?? (referenceChainSpec() as unknown as ChainSpec<B>);
  return new Verifier<B>({ ...options, spec });
}
