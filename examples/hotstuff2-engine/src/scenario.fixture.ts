import { type ChainStore, type Clock, type QuorumCertificate, toHex } from '@hotsync/core';
import { createVerifier } from '@hotsync/validation';
import type { HotStuff2Engine } from './engine.js';

/* Test helpers of the engine scenarios. */

/** Every QC the engines learned, by view: a view with two different blocks would be a safety violation. */
export function watchQcs(engines: readonly HotStuff2Engine[]): Map<number, Set<string>> {
  const byView = new Map<number, Set<string>>();
  const record = (qc: QuorumCertificate) => {
    const set = byView.get(qc.vote.view) ?? new Set<string>();
    set.add(toHex(qc.vote.blockHash));
    byView.set(qc.vote.view, set);
  };
  for (const engine of engines) {
    engine.on('qc', ({ qc }) => record(qc));
    engine.on('committed', ({ blocks, proof }) => {
      for (const b of blocks) record(b.justify);
      if (proof.kind === 'two-chain') record(proof.childQc);
    });
  }
  return byView;
}

/** Hex hash per height of a store's blocks in [from, tip]. */
export function hashesByHeight(store: ChainStore, from: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const b of store.iterateBlocks(from, store.tip()!.height)) out.set(b.height, toHex(b.hash));
  return out;
}

/** Validator indices that signed `qc`. */
export function signersOf(qc: QuorumCertificate): number[] {
  const out: number[] = [];
  for (let i = 0; i < qc.validatorCount; i++) if ((qc.signers[i >> 3]! & (1 << (i & 7))) !== 0) out.push(i);
  return out;
}

/** Every commit proof `store` holds above `from`, checked by @hotsync/validation (two-chain shape, consecutive views, signatures). */
export async function verifyStoredProofs(
  store: ChainStore,
  from: number,
  chainId: Uint8Array,
  clock: Clock,
): Promise<{ readonly proofs: number; readonly failures: string[] }> {
  const verifier = createVerifier({ chainId, clock, workers: 0 });
  const failures: string[] = [];
  let proofs = 0;
  try {
    for (let height = from; height <= store.tip()!.height; height++) {
      const proof = store.commitProof(height);
      if (!proof) continue;
      proofs++;
      const set = store.validatorSet(proof.header.epoch)!;
      const verdict = await verifier.verifyCommitProof(proof, set);
      if (!verdict.ok) failures.push(`${height}: ${verdict.failure.check} ${verdict.failure.message}`);
    }
  } finally {
    await verifier.close();
  }
  return { proofs, failures };
}
