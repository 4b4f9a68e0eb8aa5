import { AbortedError, type Clock, type Timer } from '@hotsync/core';

/**
 * Wakes a control loop when something it waits for happened (a download landed, a stage
 * finished), or after a timeout on the injected clock. A notification that arrives while
 * the loop is busy is remembered, so none is lost between checking and waiting.
 */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  notify(): void {
    this.pending = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /**
   * Resolves at the next notification (at once if one is pending) or after `timeoutMs`,
   * rounded up to whole milliseconds (a fractional timer would make the clock fractional,
   * and heights and times are integers on the wire and in the store).
   */
  wait(timeoutMs: number | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new AbortedError(signal.reason));
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let timer: Timer | undefined;
      const done = () => {
        timer?.cancel();
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        this.pending = false;
      };
      const onAbort = () => {
        done();
        reject(new AbortedError(signal.reason));
      };
      this.waiter = () => {
        done();
        resolve();
      };
      if (timeoutMs !== undefined) {
        timer = this.clock.setTimeout(
          () => {
            done();
            resolve();
          },
          Math.max(1, Math.ceil(timeoutMs)),
        );
      }
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
