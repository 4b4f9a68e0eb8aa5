import type {
  PeerId,
  StrategyPlan,
  StrategyResult,
  SyncContext,
  SyncStrategy,
  SyncTarget,
} from '@hotsync/core';
import { enterBlockPhase, fetchAndVerifyRange, reportFailure } from '@hotsync/strategies';

/** One range request the strategy made. */
export interface OnePeerRequest {
  readonly peer: PeerId;
  readonly from: number;
  readonly to: number;
  readonly atMs: number;
}

export interface OnePeerStrategy extends SyncStrategy {
  readonly requests: readonly OnePeerRequest[];
}

/**
 * A strategy a user might write and register: one peer, ranges of `rangeSize` blocks one
 * after another. It uses only the SyncContext and the building blocks @hotsync/strategies
 * exports (the phase helper, range fetch with the commit proof of its end, failure
 * reporting); the manager does discovery, the phase machine, checkpoints and recovery.
 */
export function onePeerStrategy(rangeSize = 500): OnePeerStrategy {
  const requests: OnePeerRequest[] = [];
  return {
    name: 'one-peer',
    requests,
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      return {
        strategy: 'one-peer',
        phases: ['downloading-blocks'],
        blocks,
        reason: `${rangeSize}-block requests to one peer`,
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
        requests.push({ peer, from, to, atMs: ctx.clock.now() });
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
