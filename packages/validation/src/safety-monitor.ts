import {
  bytesEqual,
  type CommitProof,
  decodeCommitProof,
  decodeQc,
  encodeCommitProof,
  encodeQc,
  type Hash,
  headerHash,
  type QuorumCertificate,
  type SafetyEvidence,
} from '@hotsync/core';

export interface SafetyMonitorOptions {
  /** Verified QCs remembered by (epoch, view) (default 8192). */
  readonly qcWindow?: number;
  /** Committed heights remembered (default 8192). */
  readonly commitWindow?: number;
}

interface SeenQc {
  readonly blockHash: Hash;
  /** The QC's encoding: a private copy, so no peer buffer is kept alive. */
  readonly bytes: Uint8Array;
}

interface SeenCommit {
  readonly blockHash: Hash;
  readonly bytes: Uint8Array;
}

/**
 * Remembers what verified QCs and commit proofs have certified, to catch a safety violation:
 * two valid QCs for different blocks in one (epoch, view), or two commit proofs for different
 * blocks at one height. Only verified statements may be fed in: evidence must convince a third
 * party. Memory is bounded: the oldest entries are forgotten first.
 */
export class SafetyMonitor {
  private readonly qcs = new Map<string, SeenQc>();
  private readonly commits = new Map<number, SeenCommit>();
  private readonly qcWindow: number;
  private readonly commitWindow: number;

  constructor(options: SafetyMonitorOptions = {}) {
    this.qcWindow = options.qcWindow ?? 8192;
    this.commitWindow = options.commitWindow ?? 8192;
  }

  /** Evidence when a remembered QC of the same (epoch, view) certified another block. Does not record. */
  checkQc(qc: QuorumCertificate): SafetyEvidence | undefined {
    const seen = this.qcs.get(qcKey(qc));
    if (!seen || bytesEqual(seen.blockHash, qc.vote.blockHash)) return undefined;
    return { kind: 'conflicting-qc', first: decodeQc(seen.bytes), second: qc };
  }

  /** Records a verified QC; returns evidence instead when it conflicts with a remembered one. */
  observeQc(qc: QuorumCertificate): SafetyEvidence | undefined {
    const evidence = this.checkQc(qc);
    if (evidence) return evidence;
    const key = qcKey(qc);
    if (this.qcs.has(key)) return undefined;
    evict(this.qcs, this.qcWindow);
    this.qcs.set(key, { blockHash: qc.vote.blockHash.slice(), bytes: encodeQc(qc).slice() });
    return undefined;
  }

  /** Evidence when a different block was committed at the proof's height. Does not record. */
  checkCommit(proof: CommitProof): SafetyEvidence | undefined {
    const seen = this.commits.get(proof.header.height);
    if (!seen || bytesEqual(seen.blockHash, headerHash(proof.header))) return undefined;
    return { kind: 'conflicting-commit', first: decodeCommitProof(seen.bytes), second: proof };
  }

  /** Records a verified commit proof; returns evidence instead when it conflicts. */
  observeCommit(proof: CommitProof): SafetyEvidence | undefined {
    const evidence = this.checkCommit(proof);
    if (evidence) return evidence;
    const height = proof.header.height;
    if (this.commits.has(height)) return undefined;
    evict(this.commits, this.commitWindow);
    this.commits.set(height, {
      blockHash: headerHash(proof.header),
      bytes: encodeCommitProof(proof).slice(),
    });
    return undefined;
  }

  /** Hash of the block a verified commit proof committed at `height`, if remembered. */
  committedHash(height: number): Hash | undefined {
    return this.commits.get(height)?.blockHash;
  }
}

function qcKey(qc: QuorumCertificate): string {
  return `${qc.vote.epoch}:${qc.vote.view}`;
}

function evict<K, V>(map: Map<K, V>, window: number): void {
  while (map.size >= window) map.delete(map.keys().next().value as K);
}
