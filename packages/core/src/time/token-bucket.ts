import { InvalidArgumentError } from '../errors.js';

/**
 * A token bucket refilled lazily from timestamps the caller passes (no timers, so it runs
 * on any clock, virtual time included): `capacity` tokens at most, `perSecond` added per
 * second. The one implementation behind the network's inbound quotas and the download
 * bandwidth cap.
 */
export class TokenBucket {
  private level: number;

  constructor(
    readonly perSecond: number,
    readonly capacity: number,
    private atMs: number,
  ) {
    if (!(perSecond > 0) || !(capacity > 0) || !Number.isFinite(perSecond + capacity)) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `a token bucket needs perSecond > 0 and capacity > 0, got ${perSecond} and ${capacity}`,
      );
    }
    this.level = capacity;
  }

  /** Tokens there at `nowMs` (negative while a debt is being paid off). */
  tokens(nowMs: number): number {
    this.refill(nowMs);
    return this.level;
  }

  /** Takes `cost` tokens when that many are there; otherwise takes nothing and says how long until they are (ms, at least 1). */
  tryTake(
    nowMs: number,
    cost: number,
  ): { readonly taken: true } | { readonly taken: false; readonly waitMs: number } {
    this.refill(nowMs);
    if (this.level >= cost) {
      this.level -= cost;
      return { taken: true };
    }
    return { taken: false, waitMs: this.msUntil(nowMs, cost) };
  }

  /** Takes `cost` tokens unconditionally: the level may go below zero, and later takers wait the debt off. */
  takeAnyway(nowMs: number, cost: number): void {
    this.refill(nowMs);
    this.level -= cost;
  }

  /** Ms from `nowMs` until `level` tokens are there (0 when they are), at least 1 otherwise. */
  msUntil(nowMs: number, level: number): number {
    this.refill(nowMs);
    if (this.level >= level) return 0;
    return Math.max(1, Math.ceil(((level - this.level) * 1000) / this.perSecond));
  }

  private refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.atMs);
    this.level = Math.min(this.capacity, this.level + (elapsedMs * this.perSecond) / 1000);
    this.atMs = Math.max(this.atMs, nowMs);
  }
}
