import type { Clock, Timer } from './clock.js';

/** A timer whose countdown can stop and go on (`pause`/`resume` are idempotent). */
export interface PausableTimer extends Timer {
  pause(): void;
  resume(): void;
}

/**
 * `callback` after `delayMs` of running time on `clock`: time spent paused does not count.
 * Deadlines of a request use it to leave out the time the request itself holds back (a
 * bandwidth cap waiting for budget), so our own throttling never reads as a slow peer.
 */
export function pausableTimeout(clock: Clock, callback: () => void, delayMs: number): PausableTimer {
  let remainingMs = Math.max(0, delayMs);
  let startedAt = clock.now();
  let done = false;
  const fire = () => {
    done = true;
    callback();
  };
  let timer: Timer | undefined = clock.setTimeout(fire, remainingMs);
  return {
    pause() {
      if (done || !timer) return;
      timer.cancel();
      timer = undefined;
      remainingMs = Math.max(0, remainingMs - (clock.now() - startedAt));
    },
    resume() {
      if (done || timer) return;
      startedAt = clock.now();
      timer = clock.setTimeout(fire, remainingMs);
    },
    cancel() {
      done = true;
      timer?.cancel();
      timer = undefined;
    },
  };
}
