import { type ChildProcess, fork } from 'node:child_process';
import { BenchError } from '../errors.js';
import { isChildMessage, type ParentMessage, type ParentSignal } from '../ipc/protocol.js';
import type { Role, Roles } from '../ipc/tasks.js';
import { CHILD_ENTRY } from '../paths.js';

export interface ChildOptions {
  /** Shown in logs and errors. */
  readonly label: string;
  /** The child is killed (SIGKILL) after this long, and its result rejects. */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/** One child process running one role. */
export interface ChildHandle<R extends Role> {
  readonly label: string;
  readonly pid: number | undefined;
  /** Its ready message (servers: their address). */
  readonly ready: Promise<Roles[R]['ready']>;
  readonly result: Promise<Roles[R]['result']>;
  signal(signal: ParentSignal): void;
}

/**
 * Starts the bench's child processes (compiled or, under tsx, source entries: the child
 * inherits this process's execArgv) and guarantees none outlives it: every child is killed
 * when its time is up, when `killAll` runs (the bench's `finally`, SIGINT, SIGTERM) and,
 * synchronously, when this process exits. Children also exit by themselves when the IPC
 * channel closes.
 */
export class Children {
  private readonly live = new Set<ChildProcess>();
  private readonly onExit = () => {
    for (const child of this.live) child.kill('SIGKILL');
  };

  constructor() {
    process.on('exit', this.onExit);
  }

  start<R extends Role>(task: Roles[R]['task'], options: ChildOptions): ChildHandle<R> {
    const child = fork(CHILD_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.live.add(child);
    let resolveReady!: (info: Roles[R]['ready']) => void;
    let rejectReady!: (err: Error) => void;
    const ready = new Promise<Roles[R]['ready']>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // A role without a ready message never resolves it; do not let that count as unhandled.
    ready.catch(() => {});
    const result = new Promise<Roles[R]['result']>((resolve, reject) => {
      let settled = false;
      const fail = (err: BenchError) => {
        if (settled) return;
        settled = true;
        rejectReady(err);
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(
          new BenchError('bench.child-timeout', `${options.label}: no result within ${options.timeoutMs} ms`),
        );
        child.kill('SIGKILL');
      }, options.timeoutMs);
      child.on('message', (message: unknown) => {
        if (!isChildMessage(message)) {
          fail(new BenchError('bench.child-failed', `${options.label}: unexpected IPC message`));
          child.kill('SIGKILL');
          return;
        }
        switch (message.kind) {
          case 'ready':
            resolveReady(message.info as Roles[R]['ready']);
            return;
          case 'log':
            options.log(`${options.label}: ${message.line}`);
            return;
          case 'result':
            settled = true;
            clearTimeout(timer);
            resolve(message.value as Roles[R]['result']);
            return;
          case 'error':
            clearTimeout(timer);
            fail(
              new BenchError('bench.child-failed', `${options.label} failed: ${message.message}`, {
                childCode: message.code,
              }),
            );
            return;
        }
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        fail(
          new BenchError('bench.child-failed', `${options.label}: ${err.message}`, undefined, { cause: err }),
        );
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.live.delete(child);
        fail(
          new BenchError(
            'bench.child-failed',
            `${options.label} exited (${signal ?? `code ${code}`}) before reporting a result`,
          ),
        );
      });
    });
    // A caller that gives up at `ready` never awaits `result`: its rejection is handled here
    // (awaiting it still throws), so it cannot end the bench as an unhandled rejection.
    result.catch(() => {});
    const post = (message: ParentMessage) => {
      if (child.connected) child.send(message);
    };
    post({ kind: 'task', task });
    return {
      label: options.label,
      pid: child.pid,
      ready,
      result,
      signal: (signal) => post({ kind: 'signal', signal }),
    };
  }

  /** Asks every live child to stop, then kills what is left after `graceMs`. */
  async killAll(graceMs = 3_000): Promise<void> {
    const waiting = [...this.live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          if (child.connected) child.send({ kind: 'signal', signal: 'stop' } satisfies ParentMessage);
          else child.kill('SIGTERM');
        }),
    );
    await Promise.all(waiting);
  }

  dispose(): void {
    process.off('exit', this.onExit);
  }
}

/** Runs one task to its result (for roles without a ready/stop conversation). */
export function runChild<R extends Role>(
  children: Children,
  task: Roles[R]['task'],
  options: ChildOptions,
): Promise<Roles[R]['result']> {
  return children.start<R>(task, options).result;
}
