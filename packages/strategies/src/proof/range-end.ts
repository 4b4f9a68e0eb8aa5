import {
  type Block,
  type ChainSpec,
  type CommitProof,
  HotsyncError,
  type PeerId,
  RequestError,
  type SyncContext,
  twoChainProof,
} from '@hotsync/core';

/** Blocks asked beyond a range (by default) so its end, or a block just after it, can be proven by the tail. */
export const DEFAULT_EXTRA_BLOCKS = 4;

/** How the end of a range was proven. */
export type EndProofSource =
  /** The two blocks after the range's last one are its two-chain. */
  | 'tail'
  /** The range's last block has no direct two-chain (a view gap after it): the range grew by a block or two to one that has. */
  | 'extended'
  /** The peer's stored proof (a double certificate, or the chain's tip proof). */
  | 'peer'
  /** No proof at the end: the range ends earlier, at the latest block its successors prove. */
  | 'shrunk';

export type EndProof =
  | {
      readonly kind: 'proven';
      /** Index in the received blocks of the range's new last block. */
      readonly end: number;
      readonly proof: CommitProof;
      readonly source: EndProofSource;
    }
  /** Asking the peer for a proof failed (not for lack of one: a timeout, bad bytes, ...). */
  | { readonly kind: 'request-failed'; readonly error: RequestError }
  /** Nothing received proves any block of the range, and the peer has no proof either. */
  | { readonly kind: 'unprovable' };

export interface RangeEndRequest {
  /** Encoded blocks as received, the first at `from`. */
  readonly blocks: readonly Uint8Array[];
  readonly from: number;
  /** The range's intended last height. */
  readonly to: number;
  /** The highest height the range may reach (the sync target): a range never grows past it. */
  readonly maxEnd: number;
  /** How far past `to` the range may grow (default 2, within what was received). */
  readonly maxExtend?: number;
}

/**
 * The two-chain proof of `blocks[index]` from the two blocks after it, if they form one
 * (a view gap after a timeout breaks it). Undecodable bytes prove nothing: the verifier
 * names the defect when it reaches them.
 */
export function tailProofAt(
  chain: ChainSpec<Block>,
  blocks: readonly Uint8Array[],
  index: number,
): CommitProof | undefined {
  if (index < 0 || index + 2 >= blocks.length) return undefined;
  try {
    return twoChainProof(
      chain.decode(blocks[index]!),
      chain.decode(blocks[index + 1]!),
      chain.decode(blocks[index + 2]!),
    );
  } catch (err) {
    if (err instanceof HotsyncError) return undefined;
    throw err;
  }
}

/**
 * Where a range that arrived can end, without asking anything: the tail at `to`, else a
 * block or two after it (the block after a view gap's successor is usually provable).
 * Undefined when neither works; then `proveRangeEnd` asks the peer, then shrinks.
 */
export function provableEndByTail(
  chain: ChainSpec<Block>,
  request: RangeEndRequest,
): { readonly end: number; readonly proof: CommitProof; readonly source: 'tail' | 'extended' } | undefined {
  const { blocks, from, to, maxEnd } = request;
  const want = to - from;
  const last = Math.min(blocks.length - 3, maxEnd - from, want + (request.maxExtend ?? 2));
  for (let end = want; end <= last; end++) {
    const proof = tailProofAt(chain, blocks, end);
    if (proof) return { end, proof, source: end === want ? 'tail' : 'extended' };
  }
  return undefined;
}

/** The latest block before `below` (an index) whose successors prove it. */
export function provableEndBefore(
  chain: ChainSpec<Block>,
  blocks: readonly Uint8Array[],
  below: number,
): { readonly end: number; readonly proof: CommitProof } | undefined {
  for (let end = Math.min(below - 1, blocks.length - 3); end >= 0; end--) {
    const proof = tailProofAt(chain, blocks, end);
    if (proof) return { end, proof };
  }
  return undefined;
}

/**
 * A range's end must be provable (DESIGN §2: a QC certifies, only a two-chain or a double
 * certificate commits). In order of cost:
 * 1. the tail trick: the two blocks after the range prove its last one (no extra request);
 *    after a view gap the range grows by a block or two to one they do prove;
 * 2. a range that ends at the target (nothing to grow into): the peer's proof of it, which
 *    exists (the target's height was proven);
 * 3. otherwise it shrinks to the latest block its successors prove; the caller fetches the
 *    rest again (in the download stage, so verification never waits on a proof request);
 * 4. only when nothing received proves anything: the peer's proof of the last block received.
 * An `unavailable` answer to a proof request is expected (honest nodes cannot prove a block
 * followed by a view gap) and is not reported against the peer.
 */
export async function proveRangeEnd(
  ctx: SyncContext,
  peer: PeerId,
  request: RangeEndRequest,
  signal: AbortSignal,
): Promise<EndProof> {
  const { blocks, from, to } = request;
  const byTail = provableEndByTail(ctx.chain, request);
  if (byTail) return { kind: 'proven', ...byTail };
  const lastReceived = Math.min(to - from, blocks.length - 1);
  if (lastReceived < 0) return { kind: 'unprovable' };
  const endsAtTarget = from + lastReceived === request.maxEnd;
  if (endsAtTarget) {
    const asked = await askProof(ctx, peer, from + lastReceived, signal);
    if (asked.kind !== 'unavailable')
      return asked.kind === 'proof' ? proven(lastReceived, asked.proof) : asked;
  }
  const shrunk = provableEndBefore(ctx.chain, blocks, lastReceived);
  if (shrunk) return { kind: 'proven', ...shrunk, source: 'shrunk' };
  if (!endsAtTarget) {
    const asked = await askProof(ctx, peer, from + lastReceived, signal);
    if (asked.kind !== 'unavailable')
      return asked.kind === 'proof' ? proven(lastReceived, asked.proof) : asked;
  }
  return { kind: 'unprovable' };
}

function proven(end: number, proof: CommitProof): EndProof {
  return { kind: 'proven', end, proof, source: 'peer' };
}

async function askProof(
  ctx: SyncContext,
  peer: PeerId,
  height: number,
  signal: AbortSignal,
): Promise<
  | { readonly kind: 'proof'; readonly proof: CommitProof }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'request-failed'; readonly error: RequestError }
> {
  try {
    return { kind: 'proof', proof: await ctx.network.commitProof(peer, height, signal) };
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    return err.kind === 'unavailable' ? { kind: 'unavailable' } : { kind: 'request-failed', error: err };
  }
}
