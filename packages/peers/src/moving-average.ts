/**
 * An exponentially weighted moving average over samples. The first sample is taken as is,
 * so a peer's first response sets its estimate instead of being averaged against zero.
 */
export class MovingAverage {
  private current: number | undefined;

  constructor(private readonly alpha: number) {}

  add(sample: number): void {
    if (!Number.isFinite(sample)) return;
    this.current = this.current === undefined ? sample : this.current + this.alpha * (sample - this.current);
  }

  /** Undefined until the first sample. */
  get value(): number | undefined {
    return this.current;
  }
}
