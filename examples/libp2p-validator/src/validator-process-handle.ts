import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ExampleError } from './errors.js';
import type { FromValidator, ToValidator, ValidatorConfig, ValidatorStatus } from './ipc.js';

type MessageOf<T extends FromValidator['type']> = Extract<FromValidator, { type: T }>;

export interface ValidatorProcessOptions {
  readonly config: ValidatorConfig;
  /** Every line the process prints (its pino JSON on stdout, anything on stderr). */
  readonly onLine: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Every message it sends. */
  readonly onMessage?: (name: string, message: FromValidator) => void;
}

interface Waiter {
  readonly test: (m: FromValidator) => boolean;
  readonly resolve: (m: FromValidator) => void;
  readonly reject: (err: Error) => void;
}

const LAST_LINES = 15;

/**
 * The parent's handle on one validator process: forks `validator-process` (the compiled
 * `.js`, or the `.ts` source through tsx when this module itself runs from source, as under
 * vitest), relays its output, keeps its latest status, and waits for its messages. An exit
 * nobody asked for fails every wait with the exit code and the last lines it printed.
 */
export class ValidatorProcess {
  readonly name: string;
  /** Latest status report (undefined before the first). */
  status: ValidatorStatus | undefined;
  /** Where it listens (set once it does). */
  listening: MessageOf<'listening'> | undefined;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private readonly lastLines: string[] = [];
  private failure: ExampleError | undefined;
  private stopping = false;
  readonly exited: Promise<number | null>;

  private constructor(private readonly options: ValidatorProcessOptions) {
    this.name = options.config.name;
    const here = fileURLToPath(import.meta.url);
    const fromSource = here.endsWith('.ts');
    const entry = join(dirname(here), fromSource ? 'validator-process.ts' : 'validator-process.js');
    this.child = fork(entry, [], {
      execArgv: fromSource ? ['--conditions', 'hotsync-source', '--import', 'tsx'] : [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.child[stream]! }).on('line', (line) => {
        this.lastLines.push(line);
        if (this.lastLines.length > LAST_LINES) this.lastLines.shift();
        options.onLine(this.name, line, stream);
      });
    }
    this.child.on('message', (message: FromValidator) => this.receive(message));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        if (!this.stopping || code !== 0) {
          this.fail(
            new ExampleError(
              'example.process-failed',
              `validator ${this.name} exited ${signal ? `on ${signal}` : `with code ${code}`}${
                this.stopping ? ' while stopping' : ''
              }${this.lastLines.length ? `; its last lines:\n  ${this.lastLines.join('\n  ')}` : ''}`,
            ),
          );
        }
        resolve(code);
      });
    });
  }

  /** Forks the process and sends it `start`; resolves once it listens. */
  static async start(options: ValidatorProcessOptions, timeoutMs = 60_000): Promise<ValidatorProcess> {
    const p = new ValidatorProcess(options);
    p.send({ type: 'start', config: options.config });
    await p.next('listening', timeoutMs);
    return p;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why it failed, once it did. */
  failed(): ExampleError | undefined {
    return this.failure;
  }

  send(message: ToValidator): void {
    if (this.failure) throw this.failure;
    if (this.child.connected) this.child.send(message);
  }

  /** The next message of `type` (matching `test`) within `timeoutMs`. */
  next<T extends FromValidator['type']>(
    type: T,
    timeoutMs: number,
    test: (m: MessageOf<T>) => boolean = () => true,
  ): Promise<MessageOf<T>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<MessageOf<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new ExampleError('example.timeout', `validator ${this.name}: no "${type}" within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        test: (m) => m.type === type && test(m as MessageOf<T>),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as MessageOf<T>);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits for a status report that satisfies `test`. */
  async until(
    test: (s: ValidatorStatus) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<ValidatorStatus> {
    if (this.status && test(this.status)) return this.status;
    try {
      const m = await this.next('status', timeoutMs, (m) => test(m.status));
      return m.status;
    } catch (err) {
      if (err instanceof ExampleError && err.code === 'example.timeout') {
        throw new ExampleError(
          'example.timeout',
          `validator ${this.name}: ${what} did not happen within ${timeoutMs} ms`,
        );
      }
      throw err;
    }
  }

  /** Asks it to stop and waits for the exit; kills it after `timeoutMs`. Resolves with the exit code. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.stopping = true;
    try {
      if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToValidator);
      else this.child.kill('SIGTERM');
    } catch {
      this.child.kill('SIGTERM');
    }
    const kill = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(kill);
      // Whoever still waits for a message from it will not get one.
      this.rejectWaiters(new ExampleError('example.process-failed', `validator ${this.name} was stopped`));
    }
  }

  private receive(message: FromValidator): void {
    if (message.type === 'status') this.status = message.status;
    if (message.type === 'listening') this.listening = message;
    if (message.type === 'fatal') {
      this.fail(
        new ExampleError('example.process-failed', `validator ${this.name} failed: ${message.message}`),
      );
    }
    this.options.onMessage?.(this.name, message);
    for (const waiter of [...this.waiters]) {
      if (waiter.test(message)) {
        this.waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  }

  private fail(error: ExampleError): void {
    this.failure ??= error;
    this.rejectWaiters(this.failure);
  }

  private rejectWaiters(error: ExampleError): void {
    for (const waiter of [...this.waiters]) waiter.reject(error);
    this.waiters.clear();
  }
}
