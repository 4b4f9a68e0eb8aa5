import { DEFAULT_WIRE_LIMITS, type SyncConfig } from '@hotsync/core';
import { StrategyError } from '../errors.js';
import { DEFAULT_EXTRA_BLOCKS } from '../proof/range-end.js';
import type { RangeSizeOptions } from './adaptive-range-size.js';
import type { BatchTransition } from './batch-state.js';
import type { WindowLimits } from './window.js';

export interface CoordinatorOptions {
  /** Ranges open at once, downloaded or not, until stored (default `performance.validationPipelineSize`). */
  readonly windowRanges?: number;
  /** Blocks reserved at once (default: `windowRanges` full-size requests). */
  readonly windowBlocks?: number;
  /** Requests in flight over all peers (default `performance.parallelDownloadLimit`); per peer, the peer manager's `maxRequestsPerPeer` applies. */
  readonly parallelDownloads?: number;
  /** Range size bounds and tuning (default `performance.batchSizeMin..batchSizeMax`). */
  readonly rangeSize?: Partial<RangeSizeOptions>;
  /** Blocks asked beyond each range for the proof of its end (default 4). */
  readonly extraBlocks?: number;
  /** Failed attempts of one range before the run stops as incomplete (default 10). */
  readonly maxAttempts?: number;
  /** How long to wait before looking again when nothing can be done (default 200 ms). */
  readonly idleWaitMs?: number;
  /**
   * A range that holds up the pipeline (the next one to verify) and is still downloading
   * after this long is asked of a second peer too; the first answer wins (default: three
   * times the expected request time from the measured cost model, at least 250 ms, 1 s
   * before anything is measured; `false` never hedges).
   */
  readonly hedgeAfterMs?: number | false;
  /** The peers' blocks-per-request limit (default the wire default, 512). */
  readonly maxBlocksPerRequest?: number;
  /** Asked on every round: a reason to stop early (at a clean point, after the range being stored), or undefined. */
  readonly yieldWhen?: () => string | undefined;
  /** Every batch state change, for instrumentation. */
  readonly onTransition?: (transition: BatchTransition) => void;
}

/** The options with the config's defaults filled in and checked. */
export interface ResolvedOptions {
  readonly extras: number;
  readonly maxBlocksPerRequest: number;
  readonly rangeSize: RangeSizeOptions;
  readonly window: WindowLimits;
  readonly parallelDownloads: number;
  readonly maxAttempts: number;
  readonly idleWaitMs: number;
}

/**
 * Fills in the defaults from the SyncConfig. A range plus its extra tail blocks must fit
 * one request (the peers' blocks-per-request limit), and the window must hold one range.
 */
export function resolveOptions(config: SyncConfig, options: CoordinatorOptions): ResolvedOptions {
  const perf = config.performance;
  const extras = options.extraBlocks ?? DEFAULT_EXTRA_BLOCKS;
  const maxBlocksPerRequest = options.maxBlocksPerRequest ?? DEFAULT_WIRE_LIMITS.maxBlocksPerRequest;
  const max = Math.min(options.rangeSize?.max ?? perf.batchSizeMax, maxBlocksPerRequest - extras);
  const min = Math.min(options.rangeSize?.min ?? perf.batchSizeMin, max);
  if (!(extras >= 2 && max >= 1)) {
    throw new StrategyError(
      'strategy.invalid-option',
      `extraBlocks must be >= 2 (the tail proof) and leave room for a range in ${maxBlocksPerRequest} blocks per request`,
    );
  }
  const ranges = options.windowRanges ?? perf.validationPipelineSize;
  const window = { ranges, blocks: options.windowBlocks ?? ranges * (max + extras) };
  if (window.blocks < max + extras) {
    throw new StrategyError(
      'strategy.invalid-option',
      `windowBlocks ${window.blocks} cannot hold one range of ${max} blocks and ${extras} extra`,
    );
  }
  return {
    extras,
    maxBlocksPerRequest,
    rangeSize: { maxRequestMs: config.peers.peerTimeoutMs / 2, ...options.rangeSize, min, max },
    window,
    parallelDownloads: options.parallelDownloads ?? perf.parallelDownloadLimit,
    maxAttempts: options.maxAttempts ?? 10,
    idleWaitMs: options.idleWaitMs ?? 200,
  };
}
