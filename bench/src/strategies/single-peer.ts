import type { StrategyPlan, StrategyResult, SyncContext, SyncStrategy, SyncTarget } from '@hotsync/core';
import { enterBlockPhase, fetchAndVerifyRange, reportFailure } from '@hotsync/strategies';

export interface SinglePeerOptions {
  /** Blocks per request (default 500). */
  readonly rangeSize?: number;
}

export const SINGLE_PEER_STRATEGY = 'baseline-single-peer';

/**
 * Baseline: the simple coordinator many chains start with. One peer (the best one that
 * proved the target), ranges of 500 blocks, one request after another: download, verify,
 * execute and store, then ask for the next. Nothing overlaps, no other peer helps. Built
 * from the same building blocks a user's strategy would use (as the `one-peer` strategy of
 * the scenario tests): the range fetch with its commit proof, the phase helper, blame.
 */
export function singlePeerStrategy(options: SinglePeerOptions = {}): SyncStrategy {
  const rangeSize = options.rangeSize ?? 500;
  return {
    name: SINGLE_PEER_STRATEGY,
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      return {
        strategy: SINGLE_PEER_STRATEGY,
        phases: ['downloading-blocks'],
        blocks,
        reason: `${rangeSize}-block requests to one peer, one after another`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      const [peer] = ctx.peers.selectPeers({ minHeight: target.height, count: 1 });
      if (!peer)
        return { kind: 'incomplete', height: ctx.trusted().height, reason: 'no peer proved the target' };
      enterBlockPhase(
        ctx,
        target,
        `one peer (${peer}), ${rangeSize} blocks per request`,
        'downloading-blocks',
      );
      while (ctx.trusted().height < target.height) {
        const from = ctx.trusted().height + 1;
        const to = Math.min(target.height, from + rangeSize - 1);
        if (!ctx.peers.acquire(peer))
          return { kind: 'incomplete', height: from - 1, reason: `${peer} is not usable` };
        const fetched = await fetchAndVerifyRange(ctx, peer, from, to, signal, {
          maxEnd: target.height,
        }).finally(() => ctx.peers.release(peer));
        if (!fetched.ok) {
          reportFailure(ctx, fetched.failure);
          return { kind: 'incomplete', height: from - 1, reason: `${peer} failed ${from}..${to}` };
        }
        const stored = await ctx.commit(fetched.range);
        if (!stored.ok) return { kind: 'incomplete', height: from - 1, reason: stored.failure.message };
        ctx.report(peer, {
          kind: 'success',
          latencyMs: fetched.latencyMs,
          bytes: fetched.bytes,
          items: fetched.range.blocks.length,
        });
        ctx.progress.advance(fetched.range.blocks.length);
      }
      return { kind: 'reached', height: ctx.trusted().height };
    },
  };
}
