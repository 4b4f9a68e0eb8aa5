import { InvalidArgumentError } from '../errors.js';
import type { Clock, Timer } from './clock.js';
import { type QueuedTimer, TimerQueue } from './timer-queue.js';

/** Lets queued promise reactions (and the ones they queue) run before the next timer fires. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that stands still until a test or the simulator advances it. Timers fire in order
 * of due time, then of scheduling; a timer scheduled by a callback fires in the same advance
 * when it falls due within it. Nothing fires on its own.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new TimerQueue();

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    // Whole milliseconds, rounded up: time stays an integer (timestamps are u64 ms) and never fires early.
    const delay = Number.isFinite(delayMs) ? Math.max(0, Math.ceil(delayMs)) : 0;
    const timer: QueuedTimer = { due: this.current + delay, seq: this.seq++, callback, state: 'queued' };
    this.timers.push(timer);
    return { cancel: () => this.timers.cancel(timer) };
  }

  /** Number of timers that have not fired or been cancelled. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the next live timer, if any. */
  nextTimerAt(): number | undefined {
    return this.timers.peek()?.due;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, synchronously. */
  advance(ms: number): void {
    this.advanceTo(this.current + this.checkStep(ms));
  }

  advanceTo(targetMs: number): void {
    for (;;) {
      const next = this.takeDue(targetMs);
      if (!next) break;
      next.callback();
    }
    this.current = Math.max(this.current, targetMs);
  }

  /**
   * Like `advance`, but lets promise reactions settle after each timer, so async code that
   * awaits between timers runs as it would on a real clock.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + this.checkStep(ms);
    await flushMicrotasks();
    for (;;) {
      const next = this.takeDue(target);
      if (!next) break;
      next.callback();
      await flushMicrotasks();
    }
    this.current = Math.max(this.current, target);
  }

  /** Jumps to the next timer and fires it (and any due at the same instant). Returns false when none is pending. */
  runNext(): boolean {
    const at = this.nextTimerAt();
    if (at === undefined) return false;
    this.advanceTo(at);
    return true;
  }

  private checkStep(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new InvalidArgumentError('arg.out-of-range', `cannot advance by ${ms}`);
    return ms;
  }

  private takeDue(targetMs: number): QueuedTimer | undefined {
    const head = this.timers.peek();
    if (!head || head.due > targetMs) return undefined;
    this.timers.pop();
    this.current = Math.max(this.current, head.due);
    return head;
  }
}
