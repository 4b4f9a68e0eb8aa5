/**
 * A number that decays exponentially toward zero with a half-life, evaluated lazily: no
 * timers, just the injected clock's reading at each use, so virtual time works unchanged.
 */
export class DecayingValue {
  private value = 0;
  private atMs: number;

  constructor(
    private readonly halfLifeMs: number,
    nowMs: number,
  ) {
    this.atMs = nowMs;
  }

  /** The value at `nowMs` (time never runs backward here: an earlier reading sees no decay). */
  get(nowMs: number): number {
    this.settle(nowMs);
    return this.value;
  }

  /** Adds `delta` at `nowMs` and clamps to [min, max]; returns the change actually made. */
  add(nowMs: number, delta: number, min: number, max: number): number {
    this.settle(nowMs);
    const before = this.value;
    this.value = Math.min(max, Math.max(min, before + delta));
    return this.value - before;
  }

  set(nowMs: number, value: number): void {
    this.settle(nowMs);
    this.value = value;
  }

  private settle(nowMs: number): void {
    const dt = nowMs - this.atMs;
    if (dt <= 0) return;
    this.atMs = nowMs;
    if (this.value === 0) return;
    this.value *= 2 ** (-dt / this.halfLifeMs);
    // Below this a score is neutral in every comparison we make; snapping keeps it exact.
    if (Math.abs(this.value) < 1e-9) this.value = 0;
  }
}

/** What `amount` decays to after `elapsedMs`. */
export function decayed(amount: number, elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 ? amount : amount * 2 ** (-elapsedMs / halfLifeMs);
}
