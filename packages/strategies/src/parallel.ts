import type { StrategyPlan, StrategyResult, SyncContext, SyncStrategy, SyncTarget } from '@hotsync/core';
import {
  type CoordinatorOptions,
  type CoordinatorOutcome,
  DownloadCoordinator,
} from './coordinator/download-coordinator.js';
import type { CoordinatorStats } from './coordinator/stats.js';
import { reconcileUncommittedTip, type TipReconciliation } from './fork/resolve.js';
import { type BlockPhase, enterBlockPhase } from './phase.js';

export type ParallelOptions = Omit<CoordinatorOptions, 'yieldWhen'>;

/** `parallel`, with the statistics of its last run (window high-water marks, requests, range sizes). */
export interface ParallelStrategy extends SyncStrategy {
  /** Statistics of the current or last run; undefined before the first. */
  stats(): CoordinatorStats | undefined;
  /** How each run found the local tip (rolled back from a fork, confirmed, consistent). */
  reconciliations(): readonly TipReconciliation[];
}

export interface ParallelRunOptions extends CoordinatorOptions {
  /** The phase to run in (default: by distance, see `enterBlockPhase`). */
  readonly phase?: BlockPhase;
  /** Called with each coordinator as it starts (to read its statistics). */
  readonly onCoordinator?: (coordinator: DownloadCoordinator) => void;
  /** Called with how the local tip was reconciled with the network before downloading. */
  readonly onReconciled?: (reconciliation: TipReconciliation) => void;
}

/**
 * `parallel` (DESIGN §5): ranges from many peers at once through the download coordinator.
 * Before downloading, an uncommitted local tip is checked against the network's committed
 * chain (`reconcileUncommittedTip`: rolled back on a fork). Returns the coordinator's
 * outcome; `adaptive` uses `yieldWhen` to take over near the tip.
 */
export async function runParallel(
  ctx: SyncContext,
  target: SyncTarget,
  signal: AbortSignal,
  options: ParallelRunOptions = {},
): Promise<CoordinatorOutcome> {
  const reconciled = await reconcileUncommittedTip(ctx, signal);
  options.onReconciled?.(reconciled);
  if (reconciled.kind === 'unresolved') {
    return { kind: 'incomplete', height: ctx.trusted().height, reason: reconciled.reason };
  }
  const tip = ctx.trusted().height;
  if (tip >= target.height) return { kind: 'reached', height: tip };
  enterBlockPhase(
    ctx,
    target,
    `${target.height - tip} blocks behind: parallel ranges from many peers`,
    options.phase,
  );
  const coordinator = new DownloadCoordinator(ctx, target.height, options);
  options.onCoordinator?.(coordinator);
  return coordinator.run(signal);
}

/** Maps a coordinator outcome to what the manager expects of a strategy. */
export function toStrategyResult(outcome: CoordinatorOutcome): StrategyResult {
  switch (outcome.kind) {
    case 'reached':
      return { kind: 'reached', height: outcome.height };
    case 'incomplete':
    case 'yielded':
      return { kind: 'incomplete', height: outcome.height, reason: outcome.reason };
  }
}

export function parallelStrategy(options: ParallelOptions = {}): ParallelStrategy {
  let current: DownloadCoordinator | undefined;
  const reconciliations: TipReconciliation[] = [];
  return {
    name: 'parallel',
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      const perf = ctx.config.performance;
      return {
        strategy: 'parallel',
        phases: [blocks <= ctx.config.strategy.parallelThreshold ? 'catching-up' : 'downloading-blocks'],
        blocks,
        reason: `${blocks} blocks in ranges of ${perf.batchSizeMin}..${perf.batchSizeMax} from up to ${perf.parallelDownloadLimit} requests at once`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      const outcome = await runParallel(ctx, target, signal, {
        ...options,
        onCoordinator: (c) => {
          current = c;
        },
        onReconciled: (r) => {
          reconciliations.push(r);
        },
      });
      return toStrategyResult(outcome);
    },
    stats: () => current?.snapshot(),
    reconciliations: () => reconciliations,
  };
}
