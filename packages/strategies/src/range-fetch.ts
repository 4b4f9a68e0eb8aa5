import {
  type Block,
  DEFAULT_WIRE_LIMITS,
  type PeerId,
  RequestError,
  type SyncContext,
  type TrustedPoint,
  type VerificationFailure,
  type VerifiedRange,
} from '@hotsync/core';
import { DEFAULT_EXTRA_BLOCKS, type EndProofSource, proveRangeEnd } from './proof/range-end.js';

/** Why fetching a range did not give a verified range. */
export type RangeFetchFailure =
  | { readonly kind: 'request'; readonly peer: PeerId; readonly error: RequestError }
  | { readonly kind: 'empty'; readonly peer: PeerId }
  /** What arrived proves no block of the range, and the peer has no proof for it either. */
  | { readonly kind: 'unprovable'; readonly peer: PeerId; readonly received: number }
  | {
      readonly kind: 'invalid';
      /** The sender of the offending block or proof. */
      readonly peer: PeerId;
      readonly check: string;
      readonly message: string;
      readonly failure: VerificationFailure;
    };

export type RangeFetchResult =
  | {
      readonly ok: true;
      readonly range: VerifiedRange<Block>;
      readonly bytes: number;
      readonly latencyMs: number;
      /** How the range's end was proven. */
      readonly endProof: EndProofSource;
    }
  | { readonly ok: false; readonly failure: RangeFetchFailure };

export interface RangeFetchOptions {
  /** The point the range must follow (default: the local verified tip). */
  readonly trusted?: TrustedPoint;
  /** Highest height the range may grow to when `to` itself is unprovable (default `to`). */
  readonly maxEnd?: number;
  /** Blocks asked beyond `to` for the tail proof (default 4; the request stays within the wire limit). */
  readonly extraBlocks?: number;
}

/**
 * Downloads [from, to] from one peer and verifies it against the local tip (or
 * `options.trusted`). It asks for a few blocks more than the range: the two after the
 * last block are its commit proof when their views follow on (no separate request), and
 * after a view gap the range may end a block or two later, or earlier (see
 * `proveRangeEnd`). Never commits: the caller does.
 */
export async function fetchAndVerifyRange(
  ctx: SyncContext,
  peer: PeerId,
  from: number,
  to: number,
  signal: AbortSignal,
  options: RangeFetchOptions = {},
): Promise<RangeFetchResult> {
  const started = ctx.clock.now();
  const extra = options.extraBlocks ?? DEFAULT_EXTRA_BLOCKS;
  const count = Math.min(
    to - from + 1 + extra,
    Math.max(to - from + 1, DEFAULT_WIRE_LIMITS.maxBlocksPerRequest),
  );
  let encoded: Uint8Array[];
  try {
    encoded = await ctx.network.blocksByRange(peer, { startHeight: from, count }, signal);
  } catch (err) {
    if (err instanceof RequestError) return { ok: false, failure: { kind: 'request', peer, error: err } };
    throw err;
  }
  if (encoded.length === 0) return { ok: false, failure: { kind: 'empty', peer } };
  const bytes = encoded.reduce((n, b) => n + b.length, 0);
  const verified = await verifyReceivedRange(
    ctx,
    peer,
    encoded,
    { from, to, maxEnd: options.maxEnd ?? to, trusted: options.trusted ?? ctx.trusted() },
    signal,
  );
  if (!verified.ok) return verified;
  return {
    ok: true,
    range: verified.range,
    bytes,
    latencyMs: ctx.clock.now() - started,
    endProof: verified.endProof,
  };
}

export interface ReceivedRange {
  readonly from: number;
  readonly to: number;
  readonly maxEnd: number;
  readonly trusted: TrustedPoint;
}

/**
 * Verifies blocks already received from `peer` (the first at `from`) against `trusted`:
 * proves the range's end, then runs the verification pipeline over the blocks up to it.
 * Every block and the proof come from the one peer, so a failure blames exactly it.
 */
export async function verifyReceivedRange(
  ctx: SyncContext,
  peer: PeerId,
  encoded: readonly Uint8Array[],
  range: ReceivedRange,
  signal: AbortSignal,
): Promise<
  | { readonly ok: true; readonly range: VerifiedRange<Block>; readonly endProof: EndProofSource }
  | { readonly ok: false; readonly failure: RangeFetchFailure }
> {
  const end = await proveRangeEnd(ctx, peer, { blocks: encoded, ...range }, signal);
  switch (end.kind) {
    case 'request-failed':
      return { ok: false, failure: { kind: 'request', peer, error: end.error } };
    case 'unprovable':
      return { ok: false, failure: { kind: 'unprovable', peer, received: encoded.length } };
    case 'proven':
      break;
  }
  const verified = await ctx.verifier.verifyRange(
    {
      trusted: range.trusted,
      blocks: encoded.slice(0, end.end + 1).map((bytes) => ({ bytes, peer })),
      commitProof: { proof: end.proof, peer },
      mode: ctx.config.performance.verificationMode,
    },
    signal,
  );
  if (!verified.ok) {
    const f = verified.failure;
    return {
      ok: false,
      failure: { kind: 'invalid', peer: f.peer ?? peer, check: f.check, message: f.message, failure: f },
    };
  }
  return { ok: true, range: verified.value, endProof: end.source };
}

/** Reports a failed fetch to the peer manager with the right outcome kind. */
export function reportFailure(ctx: SyncContext, failure: RangeFetchFailure): void {
  switch (failure.kind) {
    case 'request':
      ctx.report(failure.peer, {
        kind: 'failure',
        failure: failure.error.kind,
        ...(failure.error.retryAfterMs !== undefined && { retryAfterMs: failure.error.retryAfterMs }),
      });
      return;
    case 'empty':
    case 'unprovable':
      // It proved a height covering the range, then served nothing provable from it.
      ctx.report(failure.peer, { kind: 'failure', failure: 'unavailable' });
      return;
    case 'invalid':
      ctx.report(failure.peer, {
        kind: 'invalid-data',
        check: failure.check,
        ...(failure.failure.height !== undefined && { height: failure.failure.height }),
      });
      return;
  }
}
