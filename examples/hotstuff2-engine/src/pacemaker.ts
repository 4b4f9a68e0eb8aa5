import type { Clock, Random, Timer } from '@hotsync/core';

export interface PacemakerTiming {
  /** View timer after progress (default 1,000 ms). */
  readonly baseTimeoutMs: number;
  /** Ceiling of the backed-off timer (default 30,000 ms). */
  readonly maxTimeoutMs: number;
  /** Factor per consecutive timeout (default 2). */
  readonly backoff: number;
  /** Random spread added to each timer, as a share of it (default 0.05): replicas that fell into step drift apart. */
  readonly jitter: number;
}

export const DEFAULT_TIMING: PacemakerTiming = Object.freeze({
  baseTimeoutMs: 1_000,
  maxTimeoutMs: 30_000,
  backoff: 2,
  jitter: 0.05,
});

/** Why the pacemaker moved to a view. */
export type ViewChangeReason = 'start' | 'voted' | 'qc' | 'proposal' | 'new-view' | 'timeout';

/**
 * Views and their timers. A view ends when the replica votes (it moves to the next one and
 * waits for that leader's proposal), when it sees a proposal or QC of a later view, when more
 * than a third of the power has moved on (new-views), or when its timer expires. Each timeout
 * without progress in between doubles the next timer (up to the ceiling), so after the network
 * heals some view eventually lasts long enough for a proposal and a QC; progress (a new highest
 * QC) resets it.
 */
export class Pacemaker {
  private current = 0;
  private timer: Timer | undefined;
  private consecutiveTimeouts = 0;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly timing: PacemakerTiming,
    private readonly onTimeout: (view: number) => void,
  ) {}

  view(): number {
    return this.current;
  }

  /** Timeouts since the last progress. */
  timeouts(): number {
    return this.consecutiveTimeouts;
  }

  /** Moves to `view` and restarts the timer; false (nothing changes) unless `view` is above the current one. */
  enter(view: number): boolean {
    if (view < this.current || (view === this.current && this.running)) return false;
    this.current = view;
    this.running = true;
    this.arm();
    return true;
  }

  /** The current view's timer fired (called by the engine when it handles the timeout). */
  recordTimeout(): void {
    this.consecutiveTimeouts++;
  }

  /** A new highest QC: timers go back to the base duration. */
  progress(): void {
    this.consecutiveTimeouts = 0;
  }

  /** Stops timing (pause, stop); `enter` starts again. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Duration of the next timer. */
  timeoutMs(): number {
    const { baseTimeoutMs, maxTimeoutMs, backoff } = this.timing;
    return Math.min(maxTimeoutMs, baseTimeoutMs * backoff ** Math.min(this.consecutiveTimeouts, 32));
  }

  private arm(): void {
    this.timer?.cancel();
    const base = this.timeoutMs();
    // `int`, not `float`: core's systemRandom.float() throws on Node (randomInt's range limit).
    const spread = this.timing.jitter > 0 ? this.random.int(0, Math.floor(base * this.timing.jitter)) : 0;
    const view = this.current;
    this.timer = this.clock.setTimeout(() => {
      if (this.running && this.current === view) this.onTimeout(view);
    }, base + spread);
  }
}
