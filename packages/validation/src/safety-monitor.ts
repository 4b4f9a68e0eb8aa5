import {
  bytesEqual,
  type CommitProof,
  decodeCommitProof,
  decodeQc,
  encodeCommitProof,
  encodeQc,
  type Hash,
  headerHash,
  type PeerId,
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
  /** Who delivered it (named in the evidence). */
  readonly peer: PeerId | undefined;
}

interface SeenCommit {
  readonly blockHash: Hash;
  readonly bytes: Uint8Array;
  readonly peer: PeerId | undefined;
}

/** The evidence's peers: who delivered the remembered statement, and the new one. */
function peersOf(first: PeerId | undefined, second: PeerId | undefined) {
  return {
    ...(first !== undefined && { firstPeer: first }),
    ...(second !== undefined && { secondPeer: second }),
  };
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

  /**
   * Evidence when a remembered QC of the same (epoch, view) certified another block. Does
   * not record. `peer`: who delivered `qc`.
   */
  checkQc(qc: QuorumCertificate, peer?: PeerId): SafetyEvidence | undefined {
    const seen = this.qcs.get(qcKey(qc));
    if (!seen || bytesEqual(seen.blockHash, qc.vote.blockHash)) return undefined;
    return { kind: 'conflicting-qc', first: decodeQc(seen.bytes), second: qc, ...peersOf(seen.peer, peer) };
  }

  /** Records a verified QC; returns evidence instead when it conflicts with a remembered one. */
  observeQc(qc: QuorumCertificate, peer?: PeerId): SafetyEvidence | undefined {
    const evidence = this.checkQc(qc, peer);
    if (evidence) return evidence;
    const key = qcKey(qc);
    if (this.qcs.has(key)) return undefined;
    evict(this.qcs, this.qcWindow);
    this.qcs.set(key, { blockHash: qc.vote.blockHash.slice(), bytes: encodeQc(qc).slice(), peer });
    return undefined;
  }

  /** Evidence when a different block was committed at the proof's height. Does not record. `peer`: who delivered `proof`. */
  checkCommit(proof: CommitProof, peer?: PeerId): SafetyEvidence | undefined {
    const seen = this.commits.get(proof.header.height);
    if (!seen || bytesEqual(seen.blockHash, headerHash(proof.header))) return undefined;
    return {
      kind: 'conflicting-commit',
      first: decodeCommitProof(seen.bytes),
      second: proof,
      ...peersOf(seen.peer, peer),
    };
  }

  /** Records a verified commit proof; returns evidence instead when it conflicts. */
  observeCommit(proof: CommitProof, peer?: PeerId): SafetyEvidence | undefined {
    const evidence = this.checkCommit(proof, peer);
    if (evidence) return evidence;
    const height = proof.header.height;
    if (this.commits.has(height)) return undefined;
    evict(this.commits, this.commitWindow);
    this.commits.set(height, {
      blockHash: headerHash(proof.header),
      bytes: encodeCommitProof(proof).slice(),
      peer,
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
