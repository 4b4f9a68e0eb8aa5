import type { Block, QuorumCertificate } from '@hotsync/core';

/** Validator indices (canonical order) whose signatures a QC carries: its bitmap's set bits. */
export function signerIndices(qc: QuorumCertificate): number[] {
  const out: number[] = [];
  for (let i = 0; i < qc.validatorCount; i++) {
    if ((qc.signers[i >> 3]! & (1 << (i & 7))) !== 0) out.push(i);
  }
  return out;
}

/** A committed block and the validators whose signatures its justify QC (the QC of its parent) carries. */
export interface BlockSigners {
  readonly height: number;
  readonly signers: readonly number[];
}

/**
 * Watches the blocks a node commits and keeps, for the last `keep` of them, who signed
 * their justify QC, decoded from the blocks themselves.
 */
export class SignerTracker {
  private readonly recent: BlockSigners[] = [];

  constructor(private readonly keep = 128) {}

  observe(blocks: readonly Block[]): void {
    for (const block of blocks) {
      this.recent.push({ height: block.header.height, signers: signerIndices(block.justify) });
    }
    if (this.recent.length > this.keep) this.recent.splice(0, this.recent.length - this.keep);
  }

  snapshot(): BlockSigners[] {
    return [...this.recent];
  }
}

/** Signatures of one validator in the QCs of a range of committed blocks. */
export interface SignedQcs {
  readonly qcs: number;
  /** Lowest and highest committed block whose justify QC carries the signature (-1: none). */
  readonly firstHeight: number;
  readonly lastHeight: number;
}

/**
 * The parent's record of one node's committed blocks and their QC signers, merged from the
 * node's status reports (each carries its last blocks).
 */
export class QcLedger {
  private readonly byHeight = new Map<number, readonly number[]>();

  add(blocks: readonly BlockSigners[]): void {
    for (const b of blocks) this.byHeight.set(b.height, b.signers);
  }

  /**
   * QCs signed by `validator` that certify blocks above `height`: a block at h carries the
   * QC of h − 1, so only blocks from `height + 2` on count (a QC of `height` or below may
   * have been formed before `height` was reached, e.g. the history's last QC).
   */
  signedAbove(validator: number, height: number): SignedQcs {
    let qcs = 0;
    let firstHeight = -1;
    let lastHeight = -1;
    for (const [h, signers] of this.byHeight) {
      if (h < height + 2 || !signers.includes(validator)) continue;
      qcs++;
      if (firstHeight < 0 || h < firstHeight) firstHeight = h;
      lastHeight = Math.max(lastHeight, h);
    }
    return { qcs, firstHeight, lastHeight };
  }
}
