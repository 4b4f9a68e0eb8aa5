import {
  ByteWriter,
  flushMicrotasks,
  ManualClock,
  SeededRandom,
  type Timer,
  taggedHash,
} from '@hotsync/core';
import { SimnetError } from './errors.js';
import { Trace } from './trace.js';

export interface SimulationOptions {
  readonly seed: number;
  /** Virtual time at the start (ms since the Unix epoch; default 2_000_000_000_000, after any generated chain). */
  readonly startTimeMs?: number;
  /** Keep every trace line, not only the digest (for debugging a seed). */
  readonly recordTrace?: boolean;
  /** Timers that may fire at one instant before the run fails (default 1,000,000): a zero-delay timer loop never lets time move. */
  readonly maxTimersPerInstant?: number;
}

/**
 * ManualClock fires the timers a callback schedules for the same instant within the same
 * advance, so a timer that keeps rescheduling itself with no delay would hang it; this one
 * counts the timers fired at each instant and throws past a limit instead.
 */
class GuardedClock extends ManualClock {
  private instant = Number.NaN;
  private firedAtInstant = 0;

  constructor(
    startMs: number,
    private readonly limit: number,
  ) {
    super(startMs);
  }

  override setTimeout(callback: () => void, delayMs: number): Timer {
    return super.setTimeout(() => {
      if (this.now() !== this.instant) {
        this.instant = this.now();
        this.firedAtInstant = 0;
      }
      if (++this.firedAtInstant > this.limit) {
        throw new SimnetError(
          'simnet.failed',
          `more than ${this.limit} timers fired at one instant: a zero-delay timer loop?`,
        );
      }
      callback();
    }, delayMs);
  }
}

export interface RunOptions {
  /** Virtual time (absolute ms) at which the run stops. */
  readonly deadlineMs: number;
  /** Checked whenever everything has settled at an instant; true stops the run. */
  readonly until?: () => boolean;
  /** Instants processed before the run stops with `step-limit`. */
  readonly maxSteps?: number;
}

export type RunEnd = 'condition' | 'deadline' | 'idle' | 'step-limit';

export interface RunResult {
  readonly endedBy: RunEnd;
  readonly atMs: number;
  readonly steps: number;
}

export const DEFAULT_START_TIME_MS = 2_000_000_000_000;

/**
 * Virtual time and seeded randomness for one simulated network. The run loop lets every
 * queued promise reaction settle, checks the stop condition, then jumps the clock to the
 * next timer: nothing waits on the wall clock (computation takes no virtual time), and with
 * one seed every run schedules the same events in the same order. Each component draws
 * from its own stream, derived from the seed and its name (`randomFor`), so adding a node
 * or a link does not change the draws of the others.
 */
export class Simulation {
  readonly seed: number;
  readonly clock: ManualClock;
  readonly random: SeededRandom;
  readonly trace: Trace;
  readonly startMs: number;
  private steps = 0;
  private realWorkInFlight = 0;

  constructor(options: SimulationOptions) {
    if (!Number.isSafeInteger(options.seed)) {
      throw new SimnetError('simnet.invalid-option', `seed must be a safe integer, got ${options.seed}`);
    }
    this.seed = options.seed;
    this.startMs = options.startTimeMs ?? DEFAULT_START_TIME_MS;
    this.clock = new GuardedClock(this.startMs, options.maxTimersPerInstant ?? 1_000_000);
    this.random = new SeededRandom(options.seed);
    this.trace = new Trace(this.clock, options.recordTrace ?? false);
  }

  /** An independent random stream for the component `labels` name (e.g. `link`, `a`, `b`). */
  randomFor(...labels: readonly string[]): SeededRandom {
    const w = new ByteWriter(64).u64n(BigInt.asUintN(64, BigInt(this.seed))); // seeds may be negative
    for (const label of labels) w.bytes(new TextEncoder().encode(label));
    const digest = taggedHash('hotsync/simnet/random/v1', w.finish());
    // 48 bits of the digest: a safe-integer seed.
    return new SeededRandom(
      new DataView(digest.buffer, digest.byteOffset).getUint32(0) * 2 ** 16 + (digest[4]! << 8) + digest[5]!,
    );
  }

  /**
   * Marks `work` as real (wall-clock) work of a node, such as an LMDB write: virtual time
   * does not advance while any is in flight, so a node on a real store sees no timeout fire
   * during its own disk write. Memory-only nodes never need it (and stay deterministic).
   */
  realWork<T>(work: Promise<T>): Promise<T> {
    this.realWorkInFlight++;
    return work.finally(() => {
      this.realWorkInFlight--;
    });
  }

  /** Virtual milliseconds since the simulation started. */
  elapsedMs(): number {
    return this.clock.now() - this.startMs;
  }

  /** Instants processed so far, over all runs. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Runs until `until()` holds, the deadline passes, nothing is left to do, or `maxSteps`
   * instants were processed. An exception thrown by a timer callback ends the run with a
   * SimnetError that names the seed.
   */
  async run(options: RunOptions): Promise<RunResult> {
    const maxSteps = options.maxSteps ?? 10_000_000;
    const clock = this.clock;
    let taken = 0;
    const end = (endedBy: RunEnd): RunResult => ({ endedBy, atMs: clock.now(), steps: taken });
    try {
      for (;;) {
        await flushMicrotasks();
        // Real work (a node's disk I/O) settles in wall-clock time; wait for it before moving virtual time.
        while (this.realWorkInFlight > 0) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          await flushMicrotasks();
        }
        if (options.until?.()) return end('condition');
        const next = clock.nextTimerAt();
        if (next === undefined) return end('idle');
        if (next > options.deadlineMs) {
          clock.advanceTo(Math.max(clock.now(), options.deadlineMs));
          return end('deadline');
        }
        if (taken >= maxSteps) return end('step-limit');
        taken++;
        this.steps++;
        await clock.advanceAsync(Math.max(0, next - clock.now()));
        // `now + (next - now)` may round below `next`; fire that timer anyway.
        if (clock.nextTimerAt() === next) clock.advanceTo(next);
      }
    } catch (err) {
      throw new SimnetError(
        'simnet.failed',
        `simulation failed at virtual ${this.elapsedMs()} ms: ${err instanceof Error ? err.message : String(err)}`,
        { seed: this.seed, cause: err },
      );
    }
  }
}
