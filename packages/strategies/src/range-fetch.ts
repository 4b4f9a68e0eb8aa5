import {
  type Block,
  type CommitProof,
  HotsyncError,
  type PeerId,
  RequestError,
  type SyncContext,
  twoChainProof,
  type Verification,
  type VerifiedRange,
} from '@hotsync/core';

/** Why fetching a range did not give a verified range. */
export type RangeFetchFailure =
  | { readonly kind: 'request'; readonly peer: PeerId; readonly error: RequestError }
  | { readonly kind: 'empty'; readonly peer: PeerId }
  | { readonly kind: 'invalid'; readonly peer: PeerId; readonly check: string; readonly message: string };

export type RangeFetchResult =
  | {
      readonly ok: true;
      readonly range: VerifiedRange<Block>;
      readonly bytes: number;
      readonly latencyMs: number;
    }
  | { readonly ok: false; readonly failure: RangeFetchFailure };

/**
 * Downloads [from, to] from one peer and verifies it against the local tip. It asks for
 * two blocks more than the range: when their views follow on, they are the two-chain
 * commit proof of the range's last block, so no separate proof request is needed; after a
 * timeout (a view gap) the proof is asked for. Never commits: the caller does.
 */
export async function fetchAndVerifyRange(
  ctx: SyncContext,
  peer: PeerId,
  from: number,
  to: number,
  signal: AbortSignal,
): Promise<RangeFetchResult> {
  const started = ctx.clock.now();
  let encoded: Uint8Array[];
  try {
    encoded = await ctx.network.blocksByRange(peer, { startHeight: from, count: to - from + 3 }, signal);
  } catch (err) {
    if (err instanceof RequestError) return { ok: false, failure: { kind: 'request', peer, error: err } };
    throw err;
  }
  if (encoded.length === 0) return { ok: false, failure: { kind: 'empty', peer } };
  const bytes = encoded.reduce((n, b) => n + b.length, 0);

  // The range ends two before what arrived (or at `to`), when those two prove it.
  let proof: CommitProof | undefined;
  let end = Math.min(to - from, encoded.length - 1);
  // The latest block within the range whose next two blocks prove it (after a timeout, a
  // view gap leaves some heights without a direct two-chain: end the range before them).
  for (let e = Math.min(end, encoded.length - 3); e >= 0 && !proof; e--) {
    proof = provenByTail(ctx, encoded, e);
    if (proof) end = e;
  }
  if (!proof) {
    try {
      proof = await ctx.network.commitProof(peer, from + end, signal);
    } catch (err) {
      if (err instanceof RequestError) return { ok: false, failure: { kind: 'request', peer, error: err } };
      throw err;
    }
  }
  const verified: Verification<VerifiedRange<Block>> = await ctx.verifier.verifyRange(
    {
      trusted: ctx.trusted(),
      blocks: encoded.slice(0, end + 1).map((b) => ({ bytes: b, peer })),
      commitProof: { proof, peer },
      mode: ctx.config.performance.verificationMode,
    },
    signal,
  );
  if (!verified.ok) {
    const f = verified.failure;
    return {
      ok: false,
      failure: { kind: 'invalid', peer: f.peer ?? peer, check: f.check, message: f.message },
    };
  }
  return { ok: true, range: verified.value, bytes, latencyMs: ctx.clock.now() - started };
}

/** The two-chain proof of block `end` from the two blocks after it, if they form one. */
function provenByTail(
  ctx: SyncContext,
  encoded: readonly Uint8Array[],
  end: number,
): CommitProof | undefined {
  try {
    const [block, child, grandchild] = [end, end + 1, end + 2].map((i) => ctx.chain.decode(encoded[i]!)) as [
      Block,
      Block,
      Block,
    ];
    return twoChainProof(block, child, grandchild);
  } catch (err) {
    // Undecodable tail: the verifier will name the defect when it reaches it (or it is past the range).
    if (err instanceof HotsyncError) return undefined;
    throw err;
  }
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
      ctx.report(failure.peer, { kind: 'failure', failure: 'unavailable' });
      return;
    case 'invalid':
      ctx.report(failure.peer, { kind: 'invalid-data', check: failure.check });
      return;
  }
}
