import { BenchError } from '../errors.js';
import type { ChildMessage, ParentSignal } from './protocol.js';

/**
 * What a child role may do towards the bench: say it is ready (with what the parent needs,
 * e.g. an address), log a line, wait for a signal. Its result is what its `run` returns.
 */
export interface ChildIo {
  ready(info: unknown): void;
  log(line: string): void;
  /** Resolves when the parent sends `signal` (at once if it already did). */
  signal(name: ParentSignal): Promise<void>;
  /** Aborted when the parent sends `stop`. */
  readonly stop: AbortSignal;
}

/** Sends a message to the bench; `then` runs once it is handed to the channel. */
export function send(message: ChildMessage, then?: () => void): void {
  if (!process.send)
    throw new BenchError('bench.child-failed', 'not started as a child process (no IPC channel)');
  process.send(message, undefined, undefined, then);
}

/** The child side of the IPC channel; `deliver` is called with each signal from the parent. */
export class ChildChannel implements ChildIo {
  private readonly received = new Set<ParentSignal>();
  private readonly waiters = new Map<ParentSignal, Array<() => void>>();
  private readonly stopController = new AbortController();
  readonly stop: AbortSignal = this.stopController.signal;

  ready(info: unknown): void {
    send({ kind: 'ready', info });
  }

  log(line: string): void {
    send({ kind: 'log', line });
  }

  signal(name: ParentSignal): Promise<void> {
    if (this.received.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(name) ?? [];
      list.push(resolve);
      this.waiters.set(name, list);
    });
  }

  deliver(name: ParentSignal): void {
    this.received.add(name);
    if (name === 'stop')
      this.stopController.abort(new BenchError('bench.child-failed', 'stopped by the bench'));
    for (const resolve of this.waiters.get(name) ?? []) resolve();
    this.waiters.delete(name);
  }
}
