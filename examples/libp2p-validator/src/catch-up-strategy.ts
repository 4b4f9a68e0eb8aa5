import type { StrategyPlan, StrategyResult, SyncContext, SyncStrategy, SyncTarget } from '@hotsync/core';
import {
  type CoordinatorStats,
  type IncrementalOptions,
  incrementalStrategy,
  type ParallelOptions,
  parallelStrategy,
} from '@hotsync/strategies';
import type { StrategyDecision } from './ipc.js';

/** A strategy that says what it chose (the sync report reads it). */
export interface ReportingStrategy extends SyncStrategy {
  decisions(): readonly StrategyDecision[];
  stats(): CoordinatorStats | undefined;
}

/**
 * `catch-up`: the shipped `parallel` strategy all the way to the target when at least
 * `strategy.parallelThreshold` blocks behind, the shipped `incremental` below it. Under the
 * coordinator that gives parallel for the long sync, then incremental for the blocks the
 * network committed meanwhile (the coordinator syncs again until within reach of the tip).
 *
 * Why not `adaptive`, which does the same within one run: it hands over from parallel to
 * incremental at `target − parallelThreshold + 1`, and on a live chain with view gaps (a
 * validator down: its views time out) that block is often unprovable (no consecutive-view
 * child, no stored proof); the parallel part may not grow its last range past it, so the
 * range fails until the attempts run out (README.md, "Noticed"). Both parts here end at the
 * target, which discovery proved.
 */
export function catchUpStrategy(
  options: { readonly parallel?: ParallelOptions; readonly incremental?: IncrementalOptions } = {},
): ReportingStrategy {
  const parallel = parallelStrategy(options.parallel);
  const incremental = incrementalStrategy(options.incremental);
  let made: StrategyDecision[] = [];
  const choose = (ctx: SyncContext, target: SyncTarget) => {
    const behind = Math.max(0, target.height - ctx.trusted().height);
    const threshold = ctx.config.strategy.parallelThreshold;
    return behind >= threshold
      ? {
          strategy: parallel,
          reason: `${behind} blocks behind (>= ${threshold}): parallel ranges to the target`,
        }
      : {
          strategy: incremental,
          reason: `${behind} blocks behind (< ${threshold}): incremental to the target`,
        };
  };
  return {
    name: 'catch-up',
    async plan(ctx: SyncContext, target: SyncTarget): Promise<StrategyPlan> {
      const { strategy, reason } = choose(ctx, target);
      const plan = await strategy.plan(ctx, target);
      return { ...plan, strategy: 'catch-up', reason: `${strategy.name}: ${reason}` };
    },
    run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      const { strategy, reason } = choose(ctx, target);
      made = [{ choice: strategy.name, atHeight: ctx.trusted().height, reason }];
      return strategy.run(ctx, target, signal);
    },
    decisions: () => made,
    stats: () => parallel.stats(),
  };
}
