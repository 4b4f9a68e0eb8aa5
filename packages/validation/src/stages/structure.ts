import {
  AbortedError,
  bytesEqual,
  type ChainSpec,
  type EpochChange,
  type Hash,
  HotsyncError,
  type PeerId,
  type QuorumCertificate,
  type ReceivedBlock,
  type Verification,
  validatorSetHash,
} from '@hotsync/core';
import { fail, ok } from '../result.js';

/** A block after stage 1: decoded, with every hash recomputed from its bytes. */
export interface DecodedBlock<B> {
  readonly block: B;
  /** Recomputed, never the peer's word. */
  readonly hash: Hash;
  readonly height: number;
  readonly view: number;
  readonly epoch: number;
  readonly parentHash: Hash;
  readonly justify: QuorumCertificate;
  readonly timestampMs: number;
  readonly epochChange: EpochChange | undefined;
  readonly peer: PeerId;
  /** The height this block must have (`trusted.height + position + 1`): what failures name. */
  readonly expectedHeight: number;
}

/** How often long loops look at the abort signal. */
export const ABORT_CHECK_INTERVAL = 256;

/**
 * Stage 1, per block and cheapest first: canonical decode through the ChainSpec, chain id,
 * payload hash, justify hash, the epoch-ending block's validator set (present, and hashing to
 * what the header committed to), and the block hash. Nothing here depends on another block.
 */
export function checkStructure<B>(
  spec: ChainSpec<B>,
  chainId: Uint8Array,
  firstHeight: number,
  received: readonly ReceivedBlock[],
  signal?: AbortSignal,
): Verification<DecodedBlock<B>[]> {
  const out: DecodedBlock<B>[] = new Array(received.length);
  for (let i = 0; i < received.length; i++) {
    if (i % ABORT_CHECK_INTERVAL === 0 && signal?.aborted) throw new AbortedError(signal.reason);
    const { bytes, peer } = received[i]!;
    const expectedHeight = firstHeight + i;
    const site = { height: expectedHeight, peer };
    let block: B;
    try {
      block = spec.decode(bytes);
    } catch (error) {
      // Only the codec's typed errors are a verdict on the bytes; anything else is our bug.
      if (!(error instanceof HotsyncError)) throw error;
      return fail('structure.decode', `${error.code}: ${error.message}`, site);
    }
    if (!bytesEqual(spec.chainId(block), chainId))
      return fail('structure.chain-id', 'block of another chain', site);
    if (!spec.payloadMatches(block)) {
      return fail('structure.payload-hash', 'transactions do not hash to the header payloadHash', site);
    }
    if (!spec.justifyMatches(block)) {
      return fail('structure.justify-hash', 'justify QC does not hash to the header justifyHash', site);
    }
    const epochChange = spec.epochChange(block);
    const epoch = spec.epoch(block);
    if (epochChange) {
      const next = epochChange.nextValidatorSet;
      if (!next)
        return fail(
          'structure.next-validator-set',
          'epoch-ending block without its next validator set',
          site,
        );
      if (!bytesEqual(validatorSetHash(next), epochChange.nextValidatorSetHash)) {
        return fail('epoch.next-set', 'next validator set is not the one the header committed to', site);
      }
      if (next.epoch !== epoch + 1) {
        return fail(
          'epoch.next-set',
          `next validator set is for epoch ${next.epoch}, expected ${epoch + 1}`,
          site,
        );
      }
    }
    out[i] = {
      block,
      hash: spec.hash(block),
      height: spec.height(block),
      view: spec.view(block),
      epoch,
      parentHash: spec.parentHash(block),
      justify: spec.justify(block),
      timestampMs: spec.timestampMs(block),
      epochChange,
      peer,
      expectedHeight,
    };
  }
  return ok(out);
}
