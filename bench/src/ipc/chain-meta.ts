import {
  type Block,
  blockHash,
  decodeBlock,
  decodeValidatorSet,
  fromHex,
  type TrustAnchor,
} from '@hotsync/core';
import type { ChainParams } from '../profile.js';

/**
 * What the bench knows about a cached chain without opening it: written by the generating
 * process as `meta.json` next to the LMDB directory, passed to every child that serves or
 * syncs it (plain JSON over IPC).
 */
export interface ChainMeta {
  readonly params: ChainParams;
  /** The LMDB chain store (served read-only by every server process). */
  readonly chainPath: string;
  readonly chainIdHex: string;
  /** Genesis, encoded: the trust anchor's block. */
  readonly genesisHex: string;
  /** Validator set of epoch 0, encoded (the anchor's). */
  readonly validatorSetHex: string;
  readonly tipHeight: number;
  readonly tipHashHex: string;
  readonly tipStateRootHex: string;
  /** Heights with a stored commit proof, ascending (where a served chain may end). */
  readonly proofHeights: readonly number[];
  /** Bytes of blocks 1..tip as stored (and sent). */
  readonly blockBytes: number;
  /** Justify signatures per block, averaged over the first blocks (what full mode verifies). */
  readonly signaturesPerBlock: number;
  readonly snapshot?: {
    readonly height: number;
    readonly stateRootHex: string;
    readonly chunkCount: number;
    readonly totalBytes: number;
    /** Keys in the state at the snapshot height (summed from the chunks' entry counts). */
    readonly keys: number;
  };
  readonly generatedSeconds: number;
}

export function avgBlockBytes(meta: ChainMeta): number {
  return meta.blockBytes / meta.tipHeight;
}

export function genesisOf(meta: ChainMeta): { block: Block; bytes: Uint8Array } {
  const bytes = fromHex(meta.genesisHex);
  return { block: decodeBlock(bytes), bytes };
}

/** The trust anchor a syncing node starts from: genesis, with the validator set of epoch 0. */
export function anchorOf(meta: ChainMeta): TrustAnchor {
  return {
    chainId: fromHex(meta.chainIdHex),
    height: 0,
    blockHash: blockHash(genesisOf(meta).block),
    validatorSet: decodeValidatorSet(fromHex(meta.validatorSetHex)),
  };
}
