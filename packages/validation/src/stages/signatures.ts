import {
  bitmapLength,
  hasQuorum,
  type PeerId,
  popcount,
  type QuorumCertificate,
  quorumThreshold,
  SIGNATURE_LENGTH,
  signedVotingPower,
  type ValidatorSet,
  type Verification,
  voteSignBytes,
} from '@hotsync/core';
import type { SignatureCheck } from '../backends/signature-backend.js';
import type { SignatureRunner } from '../pool/signature-runner.js';
import { fail, ok, short } from '../result.js';

/** One QC whose signatures carry trust, with what a failure must name. */
export interface QcTask {
  readonly qc: QuorumCertificate;
  /** The validator set of the QC's epoch. */
  readonly set: ValidatorSet;
  /** Height a failure names (the block the QC came with). */
  readonly height: number;
  readonly peer?: PeerId | undefined;
  /** What the QC is, in words: `justify of block 12`, `commit proof childQc`. */
  readonly role: string;
}

export interface QcSummary {
  readonly qcs: number;
  readonly signatures: number;
}

/**
 * Bitmap shape against the set (DESIGN §3): `validatorCount == n`, `ceil(n/8)` bytes, no bit at
 * or beyond n, one 64-byte signature per set bit. The codec refuses most of these already;
 * QCs built in memory (commit proofs, other ChainSpecs) have not been through it.
 */
export function checkQcShape(qc: QuorumCertificate, set: ValidatorSet): string | undefined {
  const n = set.validators.length;
  if (qc.validatorCount !== n) return `bitmap is for ${qc.validatorCount} validators, the set has ${n}`;
  if (qc.signers.length !== bitmapLength(n))
    return `bitmap of ${qc.signers.length} bytes for ${n} validators`;
  const spare = qc.signers.length * 8 - n;
  if (spare > 0 && qc.signers[qc.signers.length - 1]! >>> (8 - spare) !== 0) {
    return `bitmap has a signer bit at or beyond n=${n}`;
  }
  const bits = popcount(qc.signers);
  if (bits !== qc.signatures.length) return `${qc.signatures.length} signatures for ${bits} signer bits`;
  for (const s of qc.signatures) if (s.length !== SIGNATURE_LENGTH) return `a signature of ${s.length} bytes`;
  return undefined;
}

/**
 * Stage 3: shape and quorum of every task first (cheap, no crypto), then every signature in
 * one batch through `runner` (worker pool or main thread). The first failure in task order
 * is returned, naming the block, the peer and the signer.
 */
export async function verifyQcs(
  tasks: readonly QcTask[],
  chainId: Uint8Array,
  runner: SignatureRunner,
  signal?: AbortSignal,
): Promise<Verification<QcSummary>> {
  for (const t of tasks) {
    const shape = checkQcShape(t.qc, t.set);
    if (shape) return fail('qc.shape', `${t.role}: ${shape}`, t);
    if (!hasQuorum(t.set, t.qc.signers)) {
      return fail(
        'qc.quorum',
        `${t.role}: signers hold ${signedVotingPower(t.set, t.qc.signers)} of ${quorumThreshold(t.set)} voting power needed`,
        t,
      );
    }
  }

  const checks: SignatureCheck[] = [];
  // owner[i] = (task index, validator index) of checks[i], to name a failing signer.
  const ownerTask: number[] = [];
  const ownerSigner: number[] = [];
  tasks.forEach((t, ti) => {
    const message = voteSignBytes(chainId, t.qc.vote); // once per QC, shared by its signers
    const n = t.set.validators.length;
    let j = 0;
    for (let i = 0; i < n; i++) {
      if ((t.qc.signers[i >> 3]! & (1 << (i & 7))) === 0) continue;
      checks.push({ publicKey: t.set.validators[i]!.publicKey, message, signature: t.qc.signatures[j++]! });
      ownerTask.push(ti);
      ownerSigner.push(i);
    }
  });

  const results = await runner.verifyAll(checks, signal);
  for (let i = 0; i < results.length; i++) {
    if (results[i] === 1) continue;
    const t = tasks[ownerTask[i]!]!;
    const signer = ownerSigner[i]!;
    return fail(
      'qc.signature',
      `${t.role}: signature of validator ${signer} (${short(t.set.validators[signer]!.publicKey)}…) does not verify`,
      t,
    );
  }
  return ok({ qcs: tasks.length, signatures: checks.length });
}
