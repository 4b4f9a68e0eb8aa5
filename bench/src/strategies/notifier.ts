import { type Clock, sleep } from '@hotsync/core';

/** Wakes a waiting loop when something happened (a response arrived), or after a timeout. */
export class Notifier {
  private waiter: (() => void) | undefined;
  private pending = false;

  constructor(private readonly clock: Clock) {}

  notify(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Resolves on the next `notify` (at once if one came since the last wait) or after `ms`. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const woken = new Promise<void>((resolve) => {
      this.waiter = resolve;
    });
    const timeout = new AbortController();
    const onAbort = () => timeout.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([woken, sleep(this.clock, ms, timeout.signal).catch(() => {})]);
    } finally {
      timeout.abort();
      signal.removeEventListener('abort', onAbort);
      this.waiter = undefined;
      this.pending = false;
    }
  }
}
