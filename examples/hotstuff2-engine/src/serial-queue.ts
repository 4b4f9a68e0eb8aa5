/**
 * Runs tasks one at a time, in order. Every input of the engine (a message, a timer, an API
 * call) is a task, so the protocol never interleaves two of them across an `await` (two
 * proposals executing at once on one state machine, a vote persisted twice).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Queues `task`; resolves when it ran. A task's error goes to `onError`, unless `rethrow`. */
  push(task: () => Promise<void> | void, rethrow = false): Promise<void> {
    this.pending++;
    const run = this.tail.then(task).finally(() => {
      this.pending--;
    });
    this.tail = run.catch((error: unknown) => {
      if (!rethrow) this.onError(error);
    });
    return rethrow ? run : this.tail;
  }

  busy(): boolean {
    return this.pending > 0;
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }
}
