import { StrategyError } from '../errors.js';

export interface RangeSizeOptions {
  readonly min: number;
  readonly max: number;
  /** The first size, before anything was measured (default: the geometric mean of min and max). */
  readonly initial?: number;
  /** Share of a request's time that should go to moving blocks rather than to the round trip (default 0.8). */
  readonly efficiency?: number;
  /** A request should take at most this long (default 5 s): big ranges on slow links time out and cost a whole retry. */
  readonly maxRequestMs?: number;
  /** Weight an older sample keeps per newer one (default 0.9): the estimate follows changing links. */
  readonly forgetting?: number;
}

/** One completed request: how many blocks it brought and how long it took. */
export interface RangeSample {
  readonly blocks: number;
  readonly durationMs: number;
}

/** The fitted cost model of a request: `durationMs ≈ overheadMs + msPerBlock · blocks`. */
export interface RangeCostModel {
  readonly overheadMs: number;
  readonly msPerBlock: number;
}

/** Sizes tried around the current one in turn, so the fit always has differing sizes to learn from. */
const PROBE = [1, 0.75, 1, 1.25] as const;

/**
 * Adaptive range size (DESIGN §5, the seed's `calculate_optimal_batch_size`) from measured
 * latency and throughput. Fits `duration = overhead + perBlock · blocks` to recent requests
 * (least squares, older samples weighing less), then picks the size at which the transfer
 * takes `efficiency` of the request (`n = e/(1-e) · overhead / perBlock`: a long round trip
 * wants big ranges, a slow link small ones), capped so a request stays under
 * `maxRequestMs`, within [min, max]. Until the fit is possible it grows the size by half
 * per sample. Pure arithmetic: deterministic under simnet.
 */
export class AdaptiveRangeSize {
  readonly min: number;
  readonly max: number;
  private readonly efficiency: number;
  private readonly maxRequestMs: number;
  private readonly forgetting: number;
  private size: number;
  private probe = 0;
  private w = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;

  constructor(options: RangeSizeOptions) {
    const { min, max } = options;
    if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min >= 1 && min <= max)) {
      throw new StrategyError(
        'strategy.invalid-option',
        `range size bounds must satisfy 1 <= min <= max (${min}, ${max})`,
      );
    }
    this.min = min;
    this.max = max;
    this.efficiency = options.efficiency ?? 0.8;
    this.maxRequestMs = options.maxRequestMs ?? 5_000;
    this.forgetting = options.forgetting ?? 0.9;
    if (!(this.efficiency > 0 && this.efficiency < 1) || !(this.forgetting > 0 && this.forgetting <= 1)) {
      throw new StrategyError(
        'strategy.invalid-option',
        'efficiency must be in (0, 1) and forgetting in (0, 1]',
      );
    }
    this.size = this.clamp(options.initial ?? Math.sqrt(min * max));
  }

  /** The size for the next range. */
  next(): number {
    const factor = PROBE[this.probe++ % PROBE.length]!;
    return this.clamp(this.size * factor);
  }

  /** The size the estimate settled on (without the probing around it). */
  current(): number {
    return this.size;
  }

  record(sample: RangeSample): void {
    if (!(sample.blocks > 0 && sample.durationMs >= 0)) return;
    const f = this.forgetting;
    this.w = this.w * f + 1;
    this.sx = this.sx * f + sample.blocks;
    this.sy = this.sy * f + sample.durationMs;
    this.sxx = this.sxx * f + sample.blocks * sample.blocks;
    this.sxy = this.sxy * f + sample.blocks * sample.durationMs;
    const model = this.model();
    const target = model ? this.optimalSize(model) : this.size * 1.5;
    // Halfway towards the new estimate: one odd sample does not swing the size.
    this.size = this.clamp((this.size + target) / 2);
  }

  /** The fitted cost model, once the samples allow one. */
  model(): RangeCostModel | undefined {
    const det = this.w * this.sxx - this.sx * this.sx;
    // Sizes too alike to separate the round trip from the per-block cost.
    if (this.w < 2 || det <= 1e-6 * this.w * this.sxx) return undefined;
    const msPerBlock = (this.w * this.sxy - this.sx * this.sy) / det;
    const overheadMs = (this.sy - msPerBlock * this.sx) / this.w;
    if (!(msPerBlock > 0)) return undefined;
    return { overheadMs: Math.max(0, overheadMs), msPerBlock };
  }

  private optimalSize(model: RangeCostModel): number {
    const e = this.efficiency;
    const wanted = model.overheadMs > 0 ? ((e / (1 - e)) * model.overheadMs) / model.msPerBlock : this.max;
    const fits = (this.maxRequestMs - model.overheadMs) / model.msPerBlock;
    return Math.min(wanted, fits);
  }

  private clamp(size: number): number {
    return Math.max(this.min, Math.min(this.max, Math.round(Number.isFinite(size) ? size : this.max)));
  }
}
