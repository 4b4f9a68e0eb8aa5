import {
  type PeerId,
  type StrategyPlan,
  type StrategyResult,
  type SyncContext,
  type SyncStrategy,
  type SyncTarget,
  sleep,
  throwIfAborted,
} from '@hotsync/core';
import { describeGap, gapAt, peerCoverage, servableEnd } from './coordinator/coverage.js';
import { StrategyError } from './errors.js';
import { checkCommittedConflict, throwOnViolation } from './fork/conflict.js';
import { reconcileUncommittedTip } from './fork/resolve.js';
import { enterBlockPhase } from './phase.js';
import { fetchAndVerifyRange, type RangeFetchFailure, reportFailure } from './range-fetch.js';

export interface IncrementalOptions {
  /** Blocks per request (default 16): small ranges keep latency and memory low. */
  readonly rangeSize?: number;
  /** Wait before asking again when no peer qualifies (default 500 ms). */
  readonly idleWaitMs?: number;
}

/**
 * `incremental` (DESIGN §5): small ranges, one after another, from the best peer. It
 * follows the tip with low latency and holds one range in memory. Every range is verified
 * (with its commit proof) before it is executed and stored; a peer whose range fails is
 * blamed for exactly the check that failed, and the next range goes to the next best peer.
 * An uncommitted local tip is first reconciled with the network's committed chain.
 */
export function incrementalStrategy(options: IncrementalOptions = {}): SyncStrategy {
  const rangeSize = options.rangeSize ?? 16;
  const idleWaitMs = options.idleWaitMs ?? 500;
  return {
    name: 'incremental',
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      return {
        strategy: 'incremental',
        phases: [blocks <= ctx.config.strategy.parallelThreshold ? 'catching-up' : 'downloading-blocks'],
        blocks,
        reason: `${blocks} blocks in ranges of ${rangeSize} from the best peer`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      const reconciled = await reconcileUncommittedTip(ctx, signal);
      if (reconciled.kind === 'unresolved') {
        return { kind: 'incomplete', height: ctx.trusted().height, reason: reconciled.reason };
      }
      const start = ctx.trusted().height;
      if (start >= target.height) return { kind: 'reached', height: start };
      enterBlockPhase(ctx, target, `${target.height - start} blocks behind, incremental`);
      const avoid = new Set<PeerId>();
      // The peer that served the last range: asked first while it keeps delivering.
      let best: PeerId | undefined;
      while (ctx.trusted().height < target.height) {
        throwIfAborted(signal);
        const trusted = ctx.trusted();
        const from = trusted.height + 1;
        // One peer serves the whole range: it ends where the longest peer coverage from `from` ends.
        const coverage = peerCoverage(ctx.peers.peers());
        const end = servableEnd(coverage, from);
        if (end === undefined) {
          const gap = gapAt(coverage, from, target.height)!;
          throw new StrategyError('strategy.heights-unavailable', describeGap(gap, coverage), { ...gap });
        }
        const to = Math.min(target.height, end, from + rangeSize - 1);
        const peer = pickPeer(ctx, from, to, avoid, best);
        if (!peer) {
          avoid.clear(); // everyone was tried: give them another chance after a pause
          await sleep(ctx.clock, idleWaitMs, signal);
          continue;
        }
        let result: Awaited<ReturnType<typeof fetchAndVerifyRange>>;
        try {
          result = await fetchAndVerifyRange(ctx, peer, from, to, signal, { maxEnd: target.height });
        } finally {
          ctx.peers.release(peer);
        }
        if (!result.ok) {
          await blame(ctx, result.failure, from, signal);
          avoid.add(result.failure.peer);
          if (best === result.failure.peer) best = undefined;
          continue;
        }
        const committed = await ctx.commit(result.range);
        if (!committed.ok) {
          const f = committed.failure;
          ctx.report(f.peer ?? peer, {
            kind: 'invalid-data',
            check: f.check,
            ...(f.height !== undefined && { height: f.height }),
          });
          avoid.add(f.peer ?? peer);
          continue;
        }
        ctx.report(peer, {
          kind: 'success',
          latencyMs: result.latencyMs,
          bytes: result.bytes,
          items: result.range.blocks.length,
        });
        avoid.clear();
        best = peer;
        ctx.progress.advance(result.range.blocks.length);
      }
      return { kind: 'reached', height: ctx.trusted().height };
    },
  };
}

/** Reports a failed range; a chain that does not extend our committed tip is checked for a conflicting commit first. */
async function blame(
  ctx: SyncContext,
  failure: RangeFetchFailure,
  from: number,
  signal: AbortSignal,
): Promise<void> {
  if (failure.kind === 'invalid') {
    throwOnViolation({ ok: false, failure: failure.failure });
    if (failure.check === 'link.parent' && failure.failure.height === from) {
      const conflict = await checkCommittedConflict(ctx, failure.peer, signal);
      if (conflict.kind === 'peer-invalid') {
        ctx.report(failure.peer, { kind: 'invalid-data', check: conflict.check });
        return;
      }
    }
  }
  reportFailure(ctx, failure);
}

/**
 * The best peer that proved a height covering the range, not recently failed, with a free
 * request slot: `best` (the last to deliver) when it qualifies, else a weighted draw. A
 * fresh draw for every range would keep betting on peers that never answer (9 withholding
 * peers and 1 honest one cost a first-byte timeout for most ranges).
 */
function pickPeer(
  ctx: SyncContext,
  from: number,
  to: number,
  avoid: ReadonlySet<PeerId>,
  best: PeerId | undefined,
): PeerId | undefined {
  const drawn = ctx.peers.selectPeers({
    minHeight: to,
    fromHeight: from,
    count: best === undefined ? 4 : Math.max(4, ctx.peers.peers().length),
    exclude: avoid,
  });
  const ordered =
    best !== undefined && drawn.includes(best) ? [best, ...drawn.filter((p) => p !== best)] : drawn;
  for (const peer of ordered) {
    if (ctx.peers.acquire(peer)) return peer;
  }
  return undefined;
}
