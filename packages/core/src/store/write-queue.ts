import { StoreError } from '../errors.js';

/**
 * Runs a store's writes one at a time, in call order. Each write starts only after the
 * previous one has settled, so it is validated against the state the previous writes left
 * (not the state at call time), and a failed write does not stop the ones after it.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues `write`; rejects with `store.closed` once `close()` has been called. */
  run<T>(write: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    const result = this.tail.then(write);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Refuses new writes and resolves when every write queued before the call has settled. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }
}

export function closedError(): StoreError {
  return new StoreError('store.closed', 'the chain store is closed');
}
