import type { RangeCostModel } from './adaptive-range-size.js';
import type { Batch } from './batch-state.js';

/** The range the pipeline waits for: the first whose data has not arrived. */
export function blockingBatch(batches: readonly Batch[]): Batch | undefined {
  return batches.find((b) => b.state.kind !== 'processing' && b.state.kind !== 'awaiting-processing');
}

/**
 * How long the blocking range may download before a second peer is asked too: `fixed`
 * when given, else three times what the cost model expects for its size (at least 250 ms),
 * 1 s before anything is measured. Well above a normal request, so a hedge costs a
 * duplicate transfer only when a peer is really stuck.
 */
export function hedgeDelayMs(blocks: number, model: RangeCostModel | undefined, fixed?: number): number {
  if (fixed !== undefined) return fixed;
  if (!model) return 1_000;
  return Math.max(250, 3 * (model.overheadMs + model.msPerBlock * blocks));
}

/**
 * Under a download cap (`network.bandwidthCapBytesPerSec`, 0: none): how long the cap needs
 * to read what the requests downloading now will bring (`blocksInFlight` × the mean block
 * size seen so far). A range waiting its turn under the cap is not stuck, and asking a
 * second peer cannot make the cap read faster: it only spends the cap twice. Undefined
 * with no cap or nothing measured yet.
 */
export function capReadMs(
  capBytesPerSec: number,
  blocksInFlight: number,
  bytesPerBlock: number | undefined,
): number | undefined {
  if (capBytesPerSec <= 0 || bytesPerBlock === undefined) return undefined;
  return (blocksInFlight * bytesPerBlock * 1000) / capBytesPerSec;
}
