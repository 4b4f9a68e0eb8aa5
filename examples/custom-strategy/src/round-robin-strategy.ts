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
import { enterBlockPhase, fetchAndVerifyRange, reportFailure } from '@hotsync/strategies';

/*
 * A strategy as a user of hotsync would write one: everything it touches comes from the
 * SyncContext the manager hands it, and the hard parts (verifying a range against the
 * local tip and the proof of its end, blaming the right peer) are the building blocks
 * @hotsync/strategies exports.
 */

export interface RoundRobinOptions {
  /** Blocks per request (default 128). */
  readonly rangeSize?: number;
  /** Wait before asking again when no peer can serve the next range (default 200 ms). */
  readonly idleWaitMs?: number;
}

/** Which peer served which range: what the example prints, and what its test checks. */
export interface ServedRange {
  readonly peer: PeerId;
  readonly from: number;
  readonly to: number;
}

export interface RoundRobinStrategy extends SyncStrategy {
  /** Ranges stored in the current or last run, in order. */
  served(): readonly ServedRange[];
}

/**
 * `round-robin`: fixed-size ranges, one after another, each to the next peer in turn among
 * those that proved they hold it, so every serving node carries the same share of the load
 * (where the shipped strategies favour the best-scored peers). A range is stored only after
 * it verified against the local tip; a peer whose range fails is reported for exactly what
 * failed and skipped for that range, and the range goes to the next one.
 */
export function roundRobinStrategy(options: RoundRobinOptions = {}): RoundRobinStrategy {
  const rangeSize = options.rangeSize ?? 128;
  const idleWaitMs = options.idleWaitMs ?? 200;
  let served: ServedRange[] = [];
  return {
    name: 'round-robin',
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      return {
        strategy: 'round-robin',
        phases: ['downloading-blocks'],
        blocks,
        reason: `${blocks} blocks in ranges of ${rangeSize}, each to the next peer in turn`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      served = [];
      const start = ctx.trusted().height;
      if (start >= target.height) return { kind: 'reached', height: start };
      enterBlockPhase(
        ctx,
        target,
        `${target.height - start} blocks behind, round-robin`,
        'downloading-blocks',
      );
      let turn = 0;
      const failed = new Set<PeerId>();
      while (ctx.trusted().height < target.height) {
        throwIfAborted(signal);
        const from = ctx.trusted().height + 1;
        const to = Math.min(target.height, from + rangeSize - 1);
        // Peers that proved a height covering the range, in a stable order, minus those that just failed it.
        const candidates = ctx.peers
          .selectPeers({ minHeight: to, fromHeight: from, count: 64, exclude: failed })
          .sort();
        const peer = candidates.length > 0 ? candidates[turn % candidates.length]! : undefined;
        if (!peer || !ctx.peers.acquire(peer)) {
          failed.clear();
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
          reportFailure(ctx, result.failure);
          failed.add(result.failure.peer);
          continue;
        }
        const committed = await ctx.commit(result.range); // executes, checks state roots, stores
        if (!committed.ok) {
          const f = committed.failure;
          ctx.report(f.peer ?? peer, { kind: 'invalid-data', check: f.check });
          failed.add(f.peer ?? peer);
          continue;
        }
        const blocks = result.range.blocks.length;
        ctx.report(peer, {
          kind: 'success',
          latencyMs: result.latencyMs,
          bytes: result.bytes,
          items: blocks,
        });
        ctx.progress.advance(blocks);
        served.push({ peer, from, to: from + blocks - 1 });
        failed.clear();
        turn++;
      }
      return { kind: 'reached', height: ctx.trusted().height };
    },
    served: () => served,
  };
}
