import { AbortedError, InvalidArgumentError } from '../errors.js';
import type { Clock, Timer } from './clock.js';
import { TokenBucket } from './token-bucket.js';

export interface BandwidthCapOptions {
  /** Bytes per second for everything read through this cap together (`network.bandwidthCapBytesPerSec`). */
  readonly bytesPerSec: number;
  /** Bytes that may be read at once after a quiet spell (default a tenth of a second's worth). */
  readonly burstBytes?: number;
  readonly clock: Clock;
}

/** What the cap did so far. */
export interface BandwidthCapStats {
  /** Bytes let through. */
  readonly bytes: number;
  /** Reads that had to wait for budget. */
  readonly waits: number;
  /** Sum of the time those reads waited (ms of the injected clock). */
  readonly waitedMs: number;
}

interface Waiter {
  readonly bytes: number;
  readonly sinceMs: number;
  /** Its bytes are taken from the bucket (it reached the head of the queue). */
  charged: boolean;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * One node-wide download budget (`network.bandwidthCapBytesPerSec`): every response read
 * of every request in flight asks it before taking its next bytes, so all of them together
 * read at most `bytesPerSec` on average. `acquire(n)` resolves once the cap has had the
 * time to carry those `n` bytes after all asked for before them (first come, first served:
 * no request starves another); only `burstBytes` may go through without waiting, after a
 * quiet spell. So from the first byte to the end, reading B bytes takes at least
 * (B - burstBytes) / bytesPerSec seconds, whatever the piece sizes. Bytes of a reader that
 * gave up (aborted) while at the head stay charged: they were downloaded all the same.
 * Time is the injected clock; nothing here sleeps for real.
 */
export class BandwidthCap {
  readonly bytesPerSec: number;
  readonly burstBytes: number;
  private readonly clock: Clock;
  private readonly bucket: TokenBucket;
  private readonly queue: Waiter[] = [];
  private timer: Timer | undefined;
  private charged = 0;
  private waits = 0;
  private waitedMs = 0;

  constructor(options: BandwidthCapOptions) {
    const { bytesPerSec, clock } = options;
    if (!Number.isSafeInteger(bytesPerSec) || bytesPerSec <= 0) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `bandwidth cap must be a positive integer of bytes/s, got ${bytesPerSec}`,
      );
    }
    const burstBytes = options.burstBytes ?? Math.max(1, Math.floor(bytesPerSec / 10));
    if (!Number.isSafeInteger(burstBytes) || burstBytes <= 0) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `burst must be a positive integer, got ${burstBytes}`,
      );
    }
    this.bytesPerSec = bytesPerSec;
    this.burstBytes = burstBytes;
    this.clock = clock;
    this.bucket = new TokenBucket(bytesPerSec, burstBytes, clock.now());
  }

  /** Takes `bytes` now when nobody waits and the burst covers them; false means `acquire` must wait. */
  tryAcquire(bytes: number): boolean {
    if (this.queue.length > 0) return false;
    const taken = this.bucket.tryTake(this.clock.now(), bytes);
    if (taken.taken) this.charged += bytes;
    return taken.taken;
  }

  /**
   * Resolves once `bytes` may be read, in order of asking; rejects with AbortedError when
   * `signal` aborts first (the waiter leaves the queue).
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    if (this.tryAcquire(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        sinceMs: this.clock.now(),
        charged: false,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(new AbortedError(signal?.reason));
          if (at === 0) this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      if (this.queue.length === 1) this.pump();
    });
  }

  /** Reads waiting for budget now. */
  get waiting(): number {
    return this.queue.length;
  }

  stats(): BandwidthCapStats {
    return { bytes: this.charged, waits: this.waits, waitedMs: this.waitedMs };
  }

  /** Charges the head, lets it go once its debt is paid off, and so on; sleeps on the clock otherwise. */
  private pump(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (;;) {
      const head = this.queue[0];
      if (!head) return;
      const now = this.clock.now();
      if (!head.charged) {
        head.charged = true;
        this.bucket.takeAnyway(now, head.bytes);
        this.charged += head.bytes;
      }
      const waitMs = this.bucket.msUntil(now, 0);
      if (waitMs > 0) {
        this.timer = this.clock.setTimeout(() => this.pump(), waitMs);
        return;
      }
      this.queue.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      this.waits++;
      this.waitedMs += now - head.sinceMs;
      head.resolve();
    }
  }
}
