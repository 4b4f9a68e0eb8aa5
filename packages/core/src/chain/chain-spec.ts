import { bytesEqual, isZero } from '../encoding/bytes.js';
import { blockHash, decodeBlock, encodeBlock, qcHash } from './codec.js';
import type { CodecLimits } from './limits.js';
import { DEFAULT_CODEC_LIMITS } from './limits.js';
import { transactionsRoot } from './transactions-root.js';
import type { Block, Hash, QuorumCertificate, ValidatorSet } from './types.js';

/** An epoch change a block carries: the committed hash and, when present, the set itself. */
export interface EpochChange {
  readonly nextValidatorSetHash: Hash;
  readonly nextValidatorSet: ValidatorSet | undefined;
}

/**
 * What hotsync needs from a block format. Implement it for your chain; the reference
 * HotStuff-2 format is `referenceChainSpec`. Every accessor reads the block itself: hashes
 * are recomputed, never taken from a peer.
 */
export interface ChainSpec<B> {
  readonly name: string;
  /** Canonical decode; throws DecodeError. */
  decode(bytes: Uint8Array): B;
  encode(block: B): Uint8Array;
  /** The block's hash, recomputed from its content. */
  hash(block: B): Hash;
  height(block: B): number;
  view(block: B): number;
  epoch(block: B): number;
  chainId(block: B): Uint8Array;
  parentHash(block: B): Hash;
  /** The QC certifying the parent. */
  justify(block: B): QuorumCertificate;
  /** True when the header commits to exactly this justify QC. */
  justifyMatches(block: B): boolean;
  timestampMs(block: B): number;
  stateRoot(block: B): Hash;
  transactions(block: B): readonly Uint8Array[];
  /** True when the header commits to exactly these transactions. */
  payloadMatches(block: B): boolean;
  /** The epoch change this block ends its epoch with, if any. */
  epochChange(block: B): EpochChange | undefined;
}

/** The reference HotStuff-2 format of DESIGN §2 as a ChainSpec. */
export function referenceChainSpec(limits: CodecLimits = DEFAULT_CODEC_LIMITS): ChainSpec<Block> {
  return {
    name: 'hotstuff2-reference/v1',
    decode: (bytes) => decodeBlock(bytes, limits),
    encode: encodeBlock,
    hash: blockHash,
    height: (b) => b.header.height,
    view: (b) => b.header.view,
    epoch: (b) => b.header.epoch,
    chainId: (b) => b.header.chainId,
    parentHash: (b) => b.header.parentHash,
    justify: (b) => b.justify,
    justifyMatches: (b) => bytesEqual(qcHash(b.justify), b.header.justifyHash),
    timestampMs: (b) => b.header.timestampMs,
    stateRoot: (b) => b.header.stateRoot,
    transactions: (b) => b.payload,
    payloadMatches: (b) => bytesEqual(transactionsRoot(b.payload), b.header.payloadHash),
    epochChange: (b) =>
      isZero(b.header.nextValidatorSetHash)
        ? undefined
        : { nextValidatorSetHash: b.header.nextValidatorSetHash, nextValidatorSet: b.nextValidatorSet },
  };
}
