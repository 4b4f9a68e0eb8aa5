import type { Clock, Timer } from '@hotsync/core';

/** A transfer in progress; `cancel()` frees its share of the bandwidth at once. */
export interface Transfer {
  cancel(): void;
}

interface Active {
  readonly bytes: number;
  remaining: number;
  readonly onDone: () => void;
}

// Bytes below which a transfer counts as finished (float residue of the share arithmetic).
const EPSILON = 1e-6;

/**
 * One direction of a link: `bytesPerSec` shared equally by every transfer in flight
 * (processor sharing, as streams on one multiplexed connection share it). Shares are
 * computed exactly, piecewise between completions; a completion is announced on the next
 * whole virtual millisecond, so a transfer takes its exact time rounded up to 1 ms.
 */
export class SharedChannel {
  private readonly active: Active[] = [];
  /** Finished by the exact schedule, announced at the next timer. */
  private readonly finished: Active[] = [];
  private lastUpdateMs: number;
  private timer: Timer | undefined;
  private carried = 0;

  constructor(
    private readonly clock: Clock,
    readonly bytesPerSec: number,
  ) {
    this.lastUpdateMs = clock.now();
  }

  /** Transfers in flight. */
  get load(): number {
    return this.active.length;
  }

  /** Bytes of every transfer that finished. */
  get bytesCarried(): number {
    return this.carried;
  }

  /** Starts sending `bytes`; `onDone` runs when the last byte has left. */
  start(bytes: number, onDone: () => void): Transfer {
    this.progress();
    const transfer: Active = { bytes, remaining: bytes, onDone };
    if (bytes <= EPSILON || !Number.isFinite(this.bytesPerSec)) this.finished.push(transfer);
    else this.active.push(transfer);
    this.reschedule();
    return {
      cancel: () => {
        this.progress();
        const i = this.active.indexOf(transfer);
        if (i >= 0) this.active.splice(i, 1);
        const j = this.finished.indexOf(transfer);
        if (j >= 0) this.finished.splice(j, 1);
        if (i >= 0 || j >= 0) this.reschedule();
      },
    };
  }

  /** Moves every active transfer forward to now, completion by completion. */
  private progress(): void {
    const now = this.clock.now();
    let elapsed = now - this.lastUpdateMs;
    this.lastUpdateMs = now;
    while (elapsed > 0 && this.active.length > 0) {
      const n = this.active.length;
      let least = Number.POSITIVE_INFINITY;
      for (const t of this.active) least = Math.min(least, t.remaining);
      const untilFirst = (least * n * 1000) / this.bytesPerSec;
      const share = untilFirst <= elapsed ? least : (this.bytesPerSec * elapsed) / 1000 / n;
      elapsed = untilFirst <= elapsed ? elapsed - untilFirst : 0;
      for (let i = 0; i < this.active.length; ) {
        const t = this.active[i]!;
        t.remaining -= share;
        if (t.remaining <= EPSILON) {
          this.finished.push(t);
          this.active.splice(i, 1);
        } else {
          i++;
        }
      }
    }
  }

  private reschedule(): void {
    this.timer?.cancel();
    this.timer = undefined;
    let delay: number;
    if (this.finished.length > 0) delay = 0;
    else if (this.active.length > 0) {
      let least = Number.POSITIVE_INFINITY;
      for (const t of this.active) least = Math.min(least, t.remaining);
      delay = Math.max(1, Math.ceil((least * this.active.length * 1000) / this.bytesPerSec - 1e-9));
    } else return;
    this.timer = this.clock.setTimeout(() => this.complete(), delay);
  }

  private complete(): void {
    this.timer = undefined;
    this.progress();
    const done = this.finished.splice(0);
    this.reschedule();
    for (const t of done) {
      this.carried += t.bytes;
      t.onDone();
    }
  }
}
