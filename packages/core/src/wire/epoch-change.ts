import { decodeHeader, HEADER_LENGTH, readCommitProof, writeCommitProof } from '../chain/codec.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import { ByteReader, ByteWriter, isZero } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import type { ChainStore } from '../interfaces/chain-store.js';
import type { EpochChangeProof } from '../interfaces/network.js';

/*
 * The ok payload of `epoch_change_proof`: the commit proof of the block that ended the
 * epoch, then that block's encoding (the rest of the payload; it carries the next set).
 * The proof's encoding delimits itself, so no length prefix is needed between the two.
 */

export function encodeEpochChangeProof(change: EpochChangeProof): Uint8Array {
  const w = new ByteWriter(1024 + change.block.length);
  writeCommitProof(w, change.proof);
  return w.raw(change.block).finish();
}

export function decodeEpochChangeProof(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): EpochChangeProof {
  const r = new ByteReader(bytes);
  const proof = readCommitProof(r, limits);
  if (r.remaining === 0)
    throw new DecodeError('decode.truncated', 'epoch-change proof without its block', r.offset);
  // The block stays encoded: the caller decodes it with its ChainSpec (and can blame the sender).
  return { proof, block: r.fixed(r.remaining, 'epoch-change block') };
}

/**
 * Height of the block that ended `epoch` in `store`: the last block of that epoch, which
 * must commit to a next validator set. Epochs never decrease with height, so it is a
 * binary search over header epochs (headers only, from the raw bytes). Undefined when the
 * store does not hold such a block (the epoch has not ended, or it ended below the base).
 */
export function epochEndHeight(store: ChainStore, epoch: number): number | undefined {
  const tip = store.tip();
  const base = store.base();
  if (!tip || base === undefined || epoch > tip.epoch) return undefined;
  const header = (height: number) => {
    const bytes = store.blockBytes(height);
    return bytes && bytes.length >= HEADER_LENGTH
      ? decodeHeader(bytes.subarray(0, HEADER_LENGTH))
      : undefined;
  };
  let lo = header(base) ? base : base + 1;
  let hi = tip.height;
  if (lo > hi || header(lo)!.epoch > epoch) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (header(mid)!.epoch <= epoch) lo = mid;
    else hi = mid - 1;
  }
  const last = header(lo)!;
  return last.epoch === epoch && !isZero(last.nextValidatorSetHash) ? lo : undefined;
}
