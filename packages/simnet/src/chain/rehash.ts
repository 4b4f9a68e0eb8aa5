import {
  type Block,
  type BlockHeader,
  type ChainStore,
  type CommitProof,
  decodeBlock,
  encodeBlock,
  type Hash,
  headerHash,
  type MemoryChainStore,
  type QuorumCertificate,
  qcHash,
  type StoredBlock,
  type ValidatorSet,
  validatorSetHash,
  ZERO_HASH,
} from '@hotsync/core';
import { SimnetError } from '../errors.js';
import { copyPrefix, trustedPointOf } from './store-copy.js';

/**
 * How a re-hashed chain differs from the original. Everything else follows: every block
 * from `fromHeight` gets its parent's new hash, a justify QC voting for that hash (signed
 * as `certify` decides) and the matching `justifyHash`, so hash links, heights, views and
 * payloads stay consistent and only what `certify` does to the signatures is wrong.
 */
export interface Rewrite {
  /** First height that differs. */
  readonly fromHeight: number;
  /** A QC for `hash`, standing in for `original` (which certified the original block). */
  certify(original: QuorumCertificate, hash: Hash): QuorumCertificate;
  /** Changes to a header after its links were recomputed (e.g. a nudge that changes the first hash). */
  header?(header: BlockHeader): BlockHeader;
  /** The next validator set an epoch-ending block carries instead of `original`. */
  nextValidatorSet?(original: ValidatorSet): ValidatorSet;
}

interface Rewritten {
  readonly block: Block;
  readonly hash: Hash;
  readonly bytes: Uint8Array;
}

/**
 * A store holding `source` up to `fromHeight - 1` unchanged and a consistently re-hashed
 * chain above it, with a commit proof for each height `source` had one for, built from the
 * re-hashed headers and QCs from `rewrite.certify` (so a proof is exactly as valid as the
 * blocks). Its tip is the re-hashed tip.
 */
export async function rehashedStore(source: ChainStore, rewrite: Rewrite): Promise<MemoryChainStore> {
  const tip = source.tip();
  if (!tip || rewrite.fromHeight < 1 || rewrite.fromHeight > tip.height) {
    throw new SimnetError('simnet.invalid-option', `cannot re-hash from height ${rewrite.fromHeight}`);
  }
  const store = await copyPrefix(source, rewrite.fromHeight - 1);
  const headers = new Map<number, { header: BlockHeader; hash: Hash }>();
  let parentHash = store.tip()!.hash;
  let batch: StoredBlock[] = [];
  let last: Rewritten | undefined;
  const sets = new Map<number, ValidatorSet>();
  for (let e = 0; ; e++) {
    const set = source.validatorSet(e);
    if (!set) break;
    sets.set(e, set);
  }
  const setOf = (epoch: number): ValidatorSet => sets.get(epoch)!;

  const flush = async () => {
    if (!last) return;
    await store.commitBatch({
      blocks: batch,
      tip: trustedPointOf(last.block, last.hash, setOf),
      validatorSets: [...sets.values()],
    });
    batch = [];
  };

  for (const stored of source.iterateBlocks(rewrite.fromHeight, tip.height)) {
    const original = decodeBlock(stored.bytes);
    const justify = rewrite.certify(original.justify, parentHash);
    const nextSet =
      original.nextValidatorSet &&
      (rewrite.nextValidatorSet?.(original.nextValidatorSet) ?? original.nextValidatorSet);
    if (nextSet) sets.set(nextSet.epoch, nextSet);
    const linked: BlockHeader = {
      ...original.header,
      parentHash,
      justifyHash: qcHash(justify),
      nextValidatorSetHash: nextSet ? validatorSetHash(nextSet) : ZERO_HASH,
    };
    const header = rewrite.header ? rewrite.header(linked) : linked;
    const block: Block = nextSet
      ? { header, justify, payload: original.payload, nextValidatorSet: nextSet }
      : { header, justify, payload: original.payload };
    const hash = headerHash(header);
    const bytes = encodeBlock(block);
    headers.set(stored.height, { header, hash });
    batch.push({ height: stored.height, hash, bytes });
    last = { block, hash, bytes };
    parentHash = hash;
    if (batch.length >= 1024) await flush();
  }
  await flush();

  for (let h = rewrite.fromHeight; h <= tip.height; h++) {
    const proof = source.commitProof(h);
    if (proof) await store.putCommitProof(rewriteProof(proof, headers.get(h)!, headers.get(h + 1), rewrite));
  }
  return store;
}

/**
 * The proof of the re-hashed block: same kind, re-hashed header, QCs from `certify`. A
 * two-chain child is the re-hashed stored child, or (above the tip) re-linked here.
 */
function rewriteProof(
  proof: CommitProof,
  target: { header: BlockHeader; hash: Hash },
  storedChild: { header: BlockHeader; hash: Hash } | undefined,
  rewrite: Rewrite,
): CommitProof {
  const qc = rewrite.certify(proof.qc, target.hash);
  switch (proof.kind) {
    case 'double-cert':
      return {
        kind: 'double-cert',
        header: target.header,
        qc,
        commitQc: rewrite.certify(proof.commitQc, target.hash),
      };
    case 'two-chain': {
      const linked: BlockHeader = { ...proof.child, parentHash: target.hash, justifyHash: qcHash(qc) };
      const child = storedChild?.header ?? (rewrite.header ? rewrite.header(linked) : linked);
      const childHash = storedChild?.hash ?? headerHash(child);
      return {
        kind: 'two-chain',
        header: target.header,
        qc,
        child,
        childQc: rewrite.certify(proof.childQc, childHash),
      };
    }
  }
}
