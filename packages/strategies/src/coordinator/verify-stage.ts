import type { Block, PeerId, SyncContext, TrustedPoint, VerifiedRange } from '@hotsync/core';
import { checkCommittedConflict, throwOnViolation } from '../fork/conflict.js';
import type { EndProofSource } from '../proof/range-end.js';
import { type RangeFetchFailure, reportFailure, verifyReceivedRange } from '../range-fetch.js';
import type { BatchData } from './batch-state.js';

export type StageResult =
  | { readonly ok: true; readonly range: VerifiedRange<Block>; readonly endProof: EndProofSource }
  | { readonly ok: false; readonly failure: RangeFetchFailure };

/**
 * Verifies a batch's data against `trusted`, the tip of the range before it (verified, not
 * necessarily stored). The range before may have grown into this one after a view gap:
 * what it covered is skipped (a view into the array, no copy).
 */
export function verifyBatchData(
  ctx: SyncContext,
  data: BatchData,
  to: number,
  target: number,
  trusted: TrustedPoint,
  signal: AbortSignal,
): Promise<StageResult> {
  const skip = trusted.height + 1 - data.from;
  return verifyReceivedRange(
    ctx,
    data.peer,
    skip > 0 ? data.blocks.slice(skip) : data.blocks,
    { from: trusted.height + 1, to, maxEnd: target, trusted },
    signal,
  );
}

/**
 * Reports a rejected range against exactly the peer that sent what failed, and returns
 * that peer with the reason. A safety violation among the failure's evidence throws; a
 * chain that does not extend our committed tip (stored, or verified with its commit proof
 * and not stored yet) is first checked for a conflicting commit (which throws
 * SafetyViolationError) before it is blamed on the peer.
 */
export async function reportRejection(
  ctx: SyncContext,
  failure: RangeFetchFailure,
  trusted: TrustedPoint,
  signal: AbortSignal,
): Promise<{ readonly peer: PeerId; readonly reason: string }> {
  if (failure.kind === 'invalid') {
    throwOnViolation({ ok: false, failure: failure.failure });
    if (failure.check === 'link.parent' && failure.failure.height === trusted.height + 1) {
      const conflict = await checkCommittedConflict(ctx, failure.peer, signal, trusted);
      if (conflict.kind === 'peer-invalid') {
        ctx.report(failure.peer, { kind: 'invalid-data', check: conflict.check });
        return { peer: failure.peer, reason: `${failure.peer}: ${conflict.check}` };
      }
    }
  }
  reportFailure(ctx, failure);
  return { peer: failure.peer, reason: describeFailure(failure) };
}

export function describeFailure(failure: RangeFetchFailure): string {
  switch (failure.kind) {
    case 'request':
      return `${failure.error.kind} from ${failure.peer}`;
    case 'empty':
      return `${failure.peer} sent no blocks`;
    case 'unprovable':
      return `${failure.peer} sent ${failure.received} blocks with no provable end`;
    case 'invalid':
      return `${failure.peer}: ${failure.check}`;
  }
}
