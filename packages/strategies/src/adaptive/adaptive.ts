import {
  type StrategyPlan,
  type StrategyResult,
  type SyncContext,
  type SyncPhaseName,
  type SyncStrategy,
  type SyncTarget,
  throwIfAborted,
} from '@hotsync/core';
import type { DownloadCoordinator } from '../coordinator/download-coordinator.js';
import type { CoordinatorStats } from '../coordinator/stats.js';
import { StrategyError } from '../errors.js';
import { type FastOptions, importSnapshot } from '../fast/fast.js';
import { type IncrementalOptions, incrementalStrategy } from '../incremental.js';
import { type ParallelOptions, runParallel } from '../parallel.js';
import { assertNever } from '../util/assert-never.js';
import { type Decision, decide, firstPhaseOf, readConditions, type StrategyChoice } from './decide.js';

export interface AdaptiveOptions {
  readonly incremental?: IncrementalOptions;
  readonly parallel?: ParallelOptions;
  readonly fast?: FastOptions;
  /** Serving peers needed to go parallel (default 2). */
  readonly minParallelPeers?: number;
}

/** One choice `adaptive` made, and why. */
export interface AdaptiveDecision extends Decision {
  readonly atHeight: number;
  readonly atMs: number;
}

export interface AdaptiveStrategy extends SyncStrategy {
  /** The choices of the current or last run, in order. */
  decisions(): readonly AdaptiveDecision[];
  /** Statistics of the last parallel part (its download coordinator); undefined before one ran. */
  stats(): CoordinatorStats | undefined;
}

/**
 * `adaptive` (DESIGN §5): picks `fast`, `parallel` or `incremental` from the distance to the
 * tip and the conditions (`strategy.fastSyncThreshold`, `strategy.parallelThreshold`,
 * whether the local state can replay blocks, how many peers serve the blocks), and decides
 * again whenever one part is done or the conditions change: after a snapshot, parallel
 * ranges; parallel hands over to incremental for the last `parallelThreshold` blocks (and
 * earlier when too few peers are left to spread ranges over).
 */
export function adaptiveStrategy(options: AdaptiveOptions = {}): AdaptiveStrategy {
  const incremental = incrementalStrategy(options.incremental);
  let made: AdaptiveDecision[] = [];
  let coordinator: DownloadCoordinator | undefined;
  const rulesOf = (ctx: SyncContext) => ({
    fastSyncThreshold: ctx.config.strategy.fastSyncThreshold,
    parallelThreshold: ctx.config.strategy.parallelThreshold,
    minParallelPeers: options.minParallelPeers ?? 2,
  });
  return {
    name: 'adaptive',
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const conditions = readConditions(ctx, target, false);
      const first = decide(conditions, rulesOf(ctx));
      const threshold = ctx.config.strategy.parallelThreshold;
      const phases: SyncPhaseName[] = [firstPhaseOf(first.choice, conditions.behind, threshold)];
      if (first.choice === 'fast') phases.push('downloading-blocks');
      if (first.choice !== 'incremental' && !phases.includes('catching-up')) phases.push('catching-up');
      return {
        strategy: 'adaptive',
        phases,
        blocks: conditions.behind,
        reason: `starting with ${first.choice}: ${first.reason}`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      made = [];
      let snapshotsExhausted = false;
      const rules = rulesOf(ctx);
      for (;;) {
        throwIfAborted(signal);
        const tip = ctx.trusted().height;
        if (tip >= target.height) return { kind: 'reached', height: tip };
        const decision = decide(readConditions(ctx, target, snapshotsExhausted), rules);
        const previous = made.at(-1);
        made.push({ ...decision, atHeight: tip, atMs: ctx.clock.now() });
        if (previous && previous.choice !== decision.choice) {
          ctx.logger.info(
            { from: previous.choice, to: decision.choice, reason: decision.reason },
            'adaptive: switching',
          );
        }
        const step = await runChoice(decision.choice);
        if (step) return step;
      }

      /** Runs one choice; a result ends the run, undefined means "decide again". */
      async function runChoice(choice: StrategyChoice): Promise<StrategyResult | undefined> {
        switch (choice) {
          case 'fast': {
            const imported = await importSnapshot(ctx, target, signal, options.fast);
            if (imported.kind === 'none') {
              if (ctx.stateMachine.height() !== ctx.trusted().height) {
                throw new StrategyError(
                  'strategy.no-snapshot',
                  'the local state needs a snapshot and no peer serves a proven one',
                );
              }
              snapshotsExhausted = true;
            }
            return undefined;
          }
          case 'parallel': {
            // The last blocks (fewer than `parallelThreshold`) are incremental's: no range in flight is thrown away at the hand-over.
            const handOver = Math.max(ctx.trusted().height + 1, target.height - rules.parallelThreshold + 1);
            const outcome = await runParallel(ctx, { height: handOver }, signal, {
              ...options.parallel,
              onCoordinator: (c) => {
                coordinator = c;
              },
              yieldWhen: () => {
                const now = decide(readConditions(ctx, target, snapshotsExhausted), rules);
                return now.choice === 'parallel' ? undefined : now.reason;
              },
            });
            switch (outcome.kind) {
              case 'reached':
              case 'yielded':
                return undefined;
              case 'incomplete':
                return outcome;
              default:
                return assertNever(outcome);
            }
          }
          case 'incremental':
            return incremental.run(ctx, target, signal);
          default:
            return assertNever(choice);
        }
      }
    },
    decisions: () => made,
    stats: () => coordinator?.snapshot(),
  };
}
