import type { StrategyPlan, StrategyResult, SyncContext, SyncStrategy, SyncTarget } from '@hotsync/core';
import { StrategyError } from '../errors.js';
import { type ParallelOptions, runParallel, toStrategyResult } from '../parallel.js';
import { type ChunkDownloadOptions, downloadChunks } from './chunk-downloader.js';
import { fetchSnapshotBase } from './snapshot-base.js';
import { findProvenSnapshot } from './snapshot-finder.js';

export interface FastOptions {
  /** How chunks are fetched. */
  readonly chunks?: Omit<ChunkDownloadOptions, 'onChunk'>;
  /** How the blocks after the snapshot are fetched (the `parallel` coordinator). */
  readonly parallel?: ParallelOptions;
}

/** What importing a snapshot did. */
export type SnapshotOutcome =
  | { readonly kind: 'imported'; readonly height: number; readonly chunks: number; readonly resumed: number }
  /** No peer serves a proven snapshot above the local tip. */
  | { readonly kind: 'none' };

/**
 * The snapshot half of `fast` (DESIGN §5): finds the newest snapshot whose height a
 * verified commit proof backs, enters `downloading-snapshot`, fetches its chunks from many
 * peers (each verified against the certified root before it is kept), fetches and checks
 * the snapshot's block, lets the import check the final root (`finish`), and restarts the
 * store at that block (`ctx.rebase`). An interrupted import of the same manifest resumes
 * with the chunks it already has.
 */
export async function importSnapshot(
  ctx: SyncContext,
  target: SyncTarget,
  signal: AbortSignal,
  options: FastOptions = {},
): Promise<SnapshotOutcome> {
  const found = await findProvenSnapshot(ctx, target, signal);
  if (!found) return { kind: 'none' };
  const { manifest } = found;
  ctx.enterPhase(
    { name: 'downloading-snapshot', snapshotHeight: manifest.height },
    `snapshot at ${manifest.height} (${manifest.chunkCount} chunks, ${found.servers.length} servers)`,
  );
  const imp = await ctx.stateMachine.beginImport(manifest);
  const resumed = manifest.chunkCount - imp.missingChunks().length;
  ctx.progress.startPhase('downloading-snapshot', manifest.chunkCount);
  ctx.progress.advance(resumed);
  ctx.logger.info({ height: manifest.height, chunks: manifest.chunkCount, resumed }, 'importing a snapshot');
  await downloadChunks(ctx, manifest, imp, found.servers, signal, options.chunks);
  // The block before the state goes live: the state then never sits at a height the store cannot back.
  const base = await fetchSnapshotBase(ctx, found, signal);
  if (!base) {
    throw new StrategyError(
      'strategy.snapshot-failed',
      `no peer served the committed block at ${manifest.height}`,
    );
  }
  try {
    await imp.finish();
  } catch (err) {
    // Every chunk verified alone; a wrong whole cannot be pinned on one sender: start over.
    await imp.abort();
    throw new StrategyError(
      'strategy.snapshot-failed',
      `snapshot import failed: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  await ctx.rebase(base.tip, base.block, found.proof);
  ctx.progress.completePhase();
  return { kind: 'imported', height: manifest.height, chunks: manifest.chunkCount, resumed };
}

/**
 * `fast`: import the newest proven snapshot, then `parallel` to the tip. Without a usable
 * snapshot it falls back on `parallel` from the local tip when the local state can replay
 * blocks, and fails otherwise.
 */
export function fastStrategy(options: FastOptions = {}): SyncStrategy {
  return {
    name: 'fast',
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      return {
        strategy: 'fast',
        phases: ['downloading-snapshot', 'downloading-blocks'],
        blocks,
        reason: `${blocks} blocks behind: the newest proven snapshot, then parallel ranges to the tip`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      const imported = await importSnapshot(ctx, target, signal, options);
      if (imported.kind === 'none' && !stateReplays(ctx)) {
        throw new StrategyError(
          'strategy.no-snapshot',
          'no peer serves a proven snapshot above the local tip',
        );
      }
      return toStrategyResult(await runParallel(ctx, target, signal, options.parallel));
    },
  };
}

/** True when the state machine is at the store's tip (so blocks can be executed on it). */
export function stateReplays(ctx: SyncContext): boolean {
  return ctx.stateMachine.height() === ctx.trusted().height;
}
