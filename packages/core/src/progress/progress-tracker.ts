import { InvalidArgumentError } from '../errors.js';
import type { ProgressFigures, ProgressTrend } from '../interfaces/sync-manager.js';
import type { Clock, Timer } from '../time/clock.js';
import { SlidingCounter } from './sliding-rate.js';

export interface ProgressTrackerOptions {
  readonly clock: Clock;
  /** Width of the sliding window rates are measured over. */
  readonly windowMs?: number;
  /** No progress for this long is a stall. */
  readonly stallAfterMs?: number;
  /** Recent/older rate ratio beyond which the trend is accelerating (its inverse: slowing). */
  readonly trendRatio?: number;
}

export interface PhaseProgress {
  readonly name: string;
  readonly done: number;
  readonly total: number;
  readonly state: 'done' | 'current' | 'pending';
}

export interface ProgressReport {
  readonly phase: string | undefined;
  readonly current: ProgressFigures;
  readonly overall: ProgressFigures;
  readonly phases: readonly PhaseProgress[];
  readonly phasesDone: readonly string[];
  readonly phasesRemaining: readonly string[];
  readonly sinceProgressMs: number;
  readonly stalled: boolean;
}

interface PhaseState {
  name: string;
  done: number;
  total: number;
  state: 'done' | 'current' | 'pending';
}

const EMPTY_FIGURES: ProgressFigures = Object.freeze({
  done: 0,
  total: 0,
  fraction: 0,
  ratePerSec: 0,
  etaMs: undefined,
  trend: 'steady',
});

/**
 * Progress of a sync on the injected clock (DESIGN §4): items done/total per phase and
 * overall, the rate over a sliding window, ETA, trend, and a stall signal after a
 * configurable time without progress. Overall figures count items of every phase.
 */
export class ProgressTracker {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly stallAfterMs: number;
  private readonly trendRatio: number;
  private readonly phases: PhaseState[] = [];
  private current: PhaseState | undefined;
  private phaseCounter: SlidingCounter;
  private overallCounter: SlidingCounter;
  private lastProgressMs: number;
  private stallTimer: Timer | undefined;
  private stallReported = false;
  private readonly stallListeners = new Set<(sinceProgressMs: number) => void>();

  constructor(options: ProgressTrackerOptions) {
    this.clock = options.clock;
    this.windowMs = options.windowMs ?? 10_000;
    this.stallAfterMs = options.stallAfterMs ?? 30_000;
    this.trendRatio = options.trendRatio ?? 1.25;
    if (this.windowMs <= 0 || this.stallAfterMs <= 0 || this.trendRatio <= 1) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        'windowMs and stallAfterMs must be > 0, trendRatio > 1',
      );
    }
    const now = this.clock.now();
    this.phaseCounter = new SlidingCounter(this.windowMs, now);
    this.overallCounter = new SlidingCounter(this.windowMs, now);
    this.lastProgressMs = now;
  }

  /** Declares the phases ahead (names and expected totals); later `startPhase` calls follow them. */
  plan(phases: readonly { readonly name: string; readonly total: number }[]): void {
    this.phases.length = 0;
    for (const p of phases)
      this.phases.push({ name: p.name, done: 0, total: checkCount(p.total), state: 'pending' });
    this.current = undefined;
  }

  /** Makes `name` the current phase; earlier phases count as done. Unknown names are appended. */
  startPhase(name: string, total: number): void {
    const now = this.clock.now();
    let index = this.phases.findIndex((p) => p.name === name);
    if (index < 0) {
      this.phases.push({ name, done: 0, total: 0, state: 'pending' });
      index = this.phases.length - 1;
    }
    for (let i = 0; i < index; i++) this.phases[i]!.state = 'done';
    const phase = this.phases[index]!;
    phase.state = 'current';
    phase.total = checkCount(total);
    phase.done = Math.min(phase.done, phase.total);
    this.current = phase;
    this.phaseCounter = new SlidingCounter(this.windowMs, now, phase.done);
    this.markProgress(now);
  }

  /** Marks the current phase finished. */
  completePhase(): void {
    if (!this.current) return;
    const remaining = this.current.total - this.current.done;
    if (remaining > 0) this.advance(remaining);
    this.current.state = 'done';
  }

  /** Changes the current phase's total (the target moved). */
  setTotal(total: number): void {
    if (!this.current) throw new InvalidArgumentError('arg.invalid', 'no current phase');
    this.current.total = Math.max(checkCount(total), this.current.done);
  }

  /** `n` more items done in the current phase. */
  advance(n = 1): void {
    if (!this.current) throw new InvalidArgumentError('arg.invalid', 'no current phase');
    if (n < 0 || !Number.isFinite(n))
      throw new InvalidArgumentError('arg.out-of-range', `cannot advance by ${n}`);
    if (n === 0) return;
    const now = this.clock.now();
    this.current.done += n;
    if (this.current.done > this.current.total) this.current.total = this.current.done;
    this.phaseCounter.record(now, this.current.done);
    this.overallCounter.record(now, this.overallDone());
    this.markProgress(now);
  }

  /** Sets the current phase's done count (never backwards). */
  update(done: number): void {
    if (!this.current) throw new InvalidArgumentError('arg.invalid', 'no current phase');
    if (done > this.current.done) this.advance(done - this.current.done);
  }

  sinceProgressMs(): number {
    return this.clock.now() - this.lastProgressMs;
  }

  isStalled(): boolean {
    return this.sinceProgressMs() >= this.stallAfterMs;
  }

  /**
   * Calls `listener` once each time progress stops for `stallAfterMs` (again only after
   * progress resumed). Returns the unsubscribe function. Driven by the clock's timers.
   */
  onStall(listener: (sinceProgressMs: number) => void): () => void {
    this.stallListeners.add(listener);
    this.armStallTimer();
    return () => {
      this.stallListeners.delete(listener);
      if (this.stallListeners.size === 0) this.disarmStallTimer();
    };
  }

  /** Stops the stall timer (the tracker stays readable). */
  stop(): void {
    this.stallListeners.clear();
    this.disarmStallTimer();
  }

  currentFigures(): ProgressFigures {
    if (!this.current) return EMPTY_FIGURES;
    return this.figures(this.phaseCounter, this.current.done, this.current.total);
  }

  overallFigures(): ProgressFigures {
    const total = this.phases.reduce((sum, p) => sum + p.total, 0);
    return this.figures(this.overallCounter, this.overallDone(), total);
  }

  report(): ProgressReport {
    return {
      phase: this.current?.name,
      current: this.currentFigures(),
      overall: this.overallFigures(),
      phases: this.phases.map((p) => ({ ...p })),
      phasesDone: this.phases.filter((p) => p.state === 'done').map((p) => p.name),
      phasesRemaining: this.phases.filter((p) => p.state === 'pending').map((p) => p.name),
      sinceProgressMs: this.sinceProgressMs(),
      stalled: this.isStalled(),
    };
  }

  private overallDone(): number {
    return this.phases.reduce((sum, p) => sum + p.done, 0);
  }

  private figures(counter: SlidingCounter, done: number, total: number): ProgressFigures {
    const now = this.clock.now();
    const windowStart = Math.max(now - this.windowMs, counter.firstMs);
    const ratePerSec = counter.rate(windowStart, now);
    const remaining = Math.max(0, total - done);
    return {
      done,
      total,
      fraction: total === 0 ? 0 : Math.min(1, done / total),
      ratePerSec,
      etaMs: remaining === 0 ? 0 : ratePerSec > 0 ? (remaining / ratePerSec) * 1000 : undefined,
      trend: this.trend(counter, windowStart, now),
    };
  }

  private trend(counter: SlidingCounter, windowStart: number, now: number): ProgressTrend {
    if (this.isStalled()) return 'stalled';
    const middle = windowStart + (now - windowStart) / 2;
    const older = counter.rate(windowStart, middle);
    const recent = counter.rate(middle, now);
    if (older === 0 && recent === 0) return 'steady';
    if (older === 0) return 'accelerating';
    const ratio = recent / older;
    if (ratio >= this.trendRatio) return 'accelerating';
    if (ratio <= 1 / this.trendRatio) return 'slowing';
    return 'steady';
  }

  private markProgress(now: number): void {
    this.lastProgressMs = now;
    this.stallReported = false;
    this.armStallTimer();
  }

  private armStallTimer(): void {
    if (this.stallListeners.size === 0 || this.stallTimer) return;
    const due = this.lastProgressMs + this.stallAfterMs - this.clock.now();
    this.stallTimer = this.clock.setTimeout(() => this.onStallTimer(), Math.max(0, due));
  }

  private disarmStallTimer(): void {
    this.stallTimer?.cancel();
    this.stallTimer = undefined;
  }

  private onStallTimer(): void {
    this.stallTimer = undefined;
    if (this.isStalled()) {
      if (!this.stallReported) {
        this.stallReported = true;
        const since = this.sinceProgressMs();
        for (const listener of [...this.stallListeners]) listener(since);
      }
      return; // re-armed by the next progress
    }
    this.armStallTimer();
  }
}

function checkCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('arg.out-of-range', `count ${n}`);
  return n;
}
