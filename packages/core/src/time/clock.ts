import { AbortedError } from '../errors.js';

/** A scheduled callback; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void;
}

/**
 * Time, injected everywhere (DESIGN §4): the same code runs on the wall clock over libp2p
 * and on virtual time in simnet. `now()` is milliseconds since the Unix epoch on a real
 * clock, virtual milliseconds on a manual one.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): Timer;
}

/** The wall clock and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, delayMs: number): Timer {
    const t = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
});

/** Resolves after `ms` on `clock`; rejects with AbortedError when `signal` aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(signal.reason));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(new AbortedError(signal?.reason));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls `callback` every `intervalMs` until the returned timer is cancelled. */
export function every(clock: Clock, intervalMs: number, callback: () => void): Timer {
  let current: Timer | undefined;
  let cancelled = false;
  const schedule = () => {
    current = clock.setTimeout(() => {
      if (cancelled) return;
      schedule();
      callback();
    }, intervalMs);
  };
  schedule();
  return {
    cancel() {
      cancelled = true;
      current?.cancel();
    },
  };
}
