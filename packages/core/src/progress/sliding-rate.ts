/**
 * Cumulative progress as a step function of time, kept only as far back as the window
 * needs, so rates over any part of the window can be read off it.
 */
export class SlidingCounter {
  // (timeMs, cumulative done) pairs, ascending in time; the first one is at or before the window start.
  private times: number[] = [];
  private values: number[] = [];

  constructor(
    private readonly windowMs: number,
    startMs: number,
    startValue = 0,
  ) {
    this.times.push(startMs);
    this.values.push(startValue);
  }

  record(nowMs: number, cumulative: number): void {
    const last = this.times.length - 1;
    if (this.times[last] === nowMs) this.values[last] = cumulative;
    else {
      this.times.push(nowMs);
      this.values.push(cumulative);
    }
    this.prune(nowMs);
  }

  /** Cumulative value at `atMs` (the last sample at or before it). */
  valueAt(atMs: number): number {
    let lo = 0;
    let hi = this.times.length - 1;
    if (atMs < this.times[0]!) return this.values[0]!;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.times[mid]! <= atMs) lo = mid;
      else hi = mid - 1;
    }
    return this.values[lo]!;
  }

  /** Time of the first sample (the start of what is known). */
  get firstMs(): number {
    return this.times[0]!;
  }

  /** Items per second over [fromMs, toMs]. */
  rate(fromMs: number, toMs: number): number {
    const from = Math.max(fromMs, this.firstMs);
    if (toMs <= from) return 0;
    return ((this.valueAt(toMs) - this.valueAt(from)) * 1000) / (toMs - from);
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    // Keep the last sample at or before the cutoff: it is the value at the window start.
    let drop = 0;
    while (drop + 1 < this.times.length && this.times[drop + 1]! <= cutoff) drop++;
    if (drop > 0) {
      this.times = this.times.slice(drop);
      this.values = this.values.slice(drop);
    }
  }
}
