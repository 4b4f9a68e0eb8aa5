import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AbortedError } from '@hotsync/core';
import { createBuiltinBackend } from '../backends/builtin.js';
import {
  type BuiltinBackendName,
  type SignatureBackend,
  type SignatureCheck,
  verifyAllWith,
} from '../backends/signature-backend.js';
import { ValidationError } from '../errors.js';
import { packChecks } from './batch-codec.js';
import type { SignatureRunner } from './signature-runner.js';
import type { SignatureRequest, SignatureResponse, SignatureWorkerData } from './worker-protocol.js';

export interface SignaturePoolOptions {
  /** The built-in backend each worker runs (a custom backend object cannot cross threads). */
  readonly backend: BuiltinBackendName;
  /** Worker threads; `auto` = `os.availableParallelism()`; 0 = everything on the main thread. */
  readonly workers: number | 'auto';
  /** Batches smaller than this are checked on the main thread: a round trip costs more (default 64). */
  readonly minParallelChecks?: number;
  /** Checks per message to a worker (default 256; TOOLCHAIN: ~0.2 % overhead at 256). */
  readonly batchSize?: number;
  /** Batches in flight per worker, so a worker never idles waiting for the next (default 2). */
  readonly inFlightPerWorker?: number;
  /** The worker entry; default: next to this module (dist `.js`, or the tsx bootstrap under src). */
  readonly workerUrl?: URL;
  /** Main-thread backend for tiny batches and fallback (default: the same built-in backend). */
  readonly fallback?: SignatureBackend;
  /** Told when a worker fails to start or dies; its batches are redone on the main thread. */
  readonly onWorkerFailure?: (error: Error) => void;
}

export interface SignaturePoolStats {
  /** Workers configured / currently alive. */
  readonly workers: number;
  readonly alive: number;
  readonly workerChecks: number;
  readonly mainThreadChecks: number;
  /** Batches redone on the main thread because their worker failed. */
  readonly fallbackBatches: number;
}

interface Task {
  readonly id: number;
  readonly checks: readonly SignatureCheck[];
  readonly start: number;
  readonly end: number;
  readonly out: Uint8Array;
  readonly done: (error?: unknown) => void;
  cancelled: boolean;
}

interface Slot {
  readonly worker: Worker;
  readonly inFlight: Map<number, Task>;
  alive: boolean;
}

/** Resolves `workers` to a thread count. */
export function resolveWorkerCount(workers: number | 'auto'): number {
  if (workers === 'auto') return availableParallelism();
  if (!Number.isSafeInteger(workers) || workers < 0) {
    throw new ValidationError(
      'validation.invalid-option',
      `workers must be 'auto' or an integer >= 0, got ${workers}`,
    );
  }
  return workers;
}

function defaultWorkerUrl(): URL {
  // Under vitest or tsx this module runs from src/*.ts: the worker needs the bootstrap that
  // registers tsx. From dist/ the compiled worker loads directly.
  return import.meta.url.endsWith('.ts')
    ? new URL('./signature-worker.bootstrap.mjs', import.meta.url)
    : new URL('./signature-worker.js', import.meta.url);
}

/**
 * The parent's Node flags minus those that only make sense for an entry script: a worker
 * inherits `process.execArgv`, and `--input-type` (as in `node --input-type=module -e …`)
 * makes it refuse to load its file.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') {
      i++; // and its value
      continue;
    }
    if (a.startsWith('--input-type=') || a.startsWith('--eval=') || a.startsWith('--print=')) continue;
    out.push(a);
  }
  return out;
}

/**
 * A worker_threads pool for Ed25519 checks. Workers start on first use and are unref'd while
 * idle, so an unused or forgotten pool never keeps the process alive; `close()` terminates them.
 * Results come back in input order, so a failing check still names its block and signer.
 */
export class SignaturePool implements SignatureRunner {
  private readonly size: number;
  private readonly minParallel: number;
  private readonly batchSize: number;
  private readonly inFlightPerWorker: number;
  private readonly fallback: SignatureBackend;
  private slots: Slot[] | undefined;
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private workerChecks = 0;
  private mainThreadChecks = 0;
  private fallbackBatches = 0;

  constructor(private readonly options: SignaturePoolOptions) {
    this.size = resolveWorkerCount(options.workers);
    this.minParallel = options.minParallelChecks ?? 64;
    this.batchSize = options.batchSize ?? 256;
    this.inFlightPerWorker = options.inFlightPerWorker ?? 2;
    this.fallback = options.fallback ?? createBuiltinBackend(options.backend);
  }

  stats(): SignaturePoolStats {
    return {
      workers: this.size,
      alive: this.slots?.filter((s) => s.alive).length ?? 0,
      workerChecks: this.workerChecks,
      mainThreadChecks: this.mainThreadChecks,
      fallbackBatches: this.fallbackBatches,
    };
  }

  /** Starts the workers now rather than on the first large batch. */
  warmUp(): void {
    if (this.closed) throw new ValidationError('validation.closed', 'signature pool is closed');
    this.ensureStarted();
  }

  async verifyAll(checks: readonly SignatureCheck[], signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) throw new ValidationError('validation.closed', 'signature pool is closed');
    if (signal?.aborted) throw new AbortedError(signal.reason);
    if (this.size === 0 || checks.length < this.minParallel)
      return this.onMainThread(checks, 0, checks.length);
    const slots = this.ensureStarted();
    const alive = slots.filter((s) => s.alive).length;
    if (alive === 0) return this.onMainThread(checks, 0, checks.length);

    const out = new Uint8Array(checks.length);
    // Equal batches, a multiple of the worker count, none above batchSize: with 835 checks
    // and 2 workers that is 4 × 209, not 256 + 256 + 256 + 67 (one worker would do 512).
    const batches = Math.ceil(Math.ceil(checks.length / this.batchSize) / alive) * alive;
    const chunk = Math.max(1, Math.ceil(checks.length / batches));
    const tasks: Task[] = [];
    const settled: Promise<void>[] = [];
    for (let start = 0; start < checks.length; start += chunk) {
      const end = Math.min(checks.length, start + chunk);
      settled.push(
        new Promise<void>((resolve, reject) => {
          tasks.push({
            id: this.nextId++,
            checks,
            start,
            end,
            out,
            done: (error) => (error === undefined ? resolve() : reject(error)),
            cancelled: false,
          });
        }),
      );
    }
    const onAbort = () => {
      // Batches not sent yet are dropped now; those in a worker finish and are ignored.
      for (const t of tasks) t.cancelled = true;
      for (let k = this.queue.length - 1; k >= 0; k--) {
        const t = this.queue[k]!;
        if (t.cancelled) {
          this.queue.splice(k, 1);
          t.done();
        }
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.queue.push(...tasks);
      this.pump();
      await Promise.all(settled);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw new AbortedError(signal.reason);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots ?? [];
    this.slots = [];
    const error = new ValidationError('validation.closed', 'signature pool closed');
    for (const t of this.queue.splice(0)) t.done(error);
    for (const slot of slots) {
      slot.alive = false;
      for (const t of slot.inFlight.values()) t.done(error);
      slot.inFlight.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private onMainThread(checks: readonly SignatureCheck[], start: number, end: number): Uint8Array {
    this.mainThreadChecks += end - start;
    return verifyAllWith(
      this.fallback,
      start === 0 && end === checks.length ? checks : checks.slice(start, end),
    );
  }

  private ensureStarted(): Slot[] {
    if (this.slots) return this.slots;
    const url = this.options.workerUrl ?? defaultWorkerUrl();
    const data: SignatureWorkerData = { backend: this.options.backend };
    const execArgv = workerExecArgv();
    const slots: Slot[] = [];
    for (let i = 0; i < this.size; i++) {
      let worker: Worker;
      try {
        worker = new Worker(url, { workerData: data, execArgv });
      } catch (error) {
        this.reportFailure(error);
        continue;
      }
      const slot: Slot = { worker, inFlight: new Map(), alive: true };
      worker.unref();
      worker.on('message', (response: SignatureResponse) => this.onResponse(slot, response));
      worker.on('error', (error) => this.onWorkerDeath(slot, error));
      worker.on('exit', (code) => {
        if (slot.alive) this.onWorkerDeath(slot, new Error(`signature worker exited with code ${code}`));
      });
      slots.push(slot);
    }
    this.slots = slots;
    return slots;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const task = this.queue[0]!;
      if (task.cancelled) {
        this.queue.shift();
        task.done();
        continue;
      }
      let best: Slot | undefined;
      for (const s of this.slots ?? []) {
        if (!s.alive || s.inFlight.size >= this.inFlightPerWorker) continue;
        if (!best || s.inFlight.size < best.inFlight.size) best = s;
      }
      if (!best) {
        if ((this.slots ?? []).some((s) => s.alive)) return; // all busy: wait for a response
        this.queue.shift();
        this.runOnMainThread(task);
        continue;
      }
      this.queue.shift();
      const request: SignatureRequest = { id: task.id, batch: packChecks(task.checks, task.start, task.end) };
      best.inFlight.set(task.id, task);
      best.worker.ref(); // busy: keep the process alive until the answer arrives
      best.worker.postMessage(request, [request.batch]);
    }
  }

  private onResponse(slot: Slot, response: SignatureResponse): void {
    const task = slot.inFlight.get(response.id);
    if (!task) return;
    slot.inFlight.delete(response.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    if (response.ok) {
      task.out.set(response.results, task.start);
      this.workerChecks += task.end - task.start;
      task.done();
    } else {
      this.reportFailure(new Error(response.error));
      this.runOnMainThread(task);
    }
    this.pump();
  }

  private onWorkerDeath(slot: Slot, error: unknown): void {
    if (!slot.alive) return;
    slot.alive = false;
    if (this.closed) return;
    this.reportFailure(error);
    const orphans = [...slot.inFlight.values()];
    slot.inFlight.clear();
    for (const t of orphans) this.runOnMainThread(t);
    this.pump();
  }

  private runOnMainThread(task: Task): void {
    if (!task.cancelled) {
      this.fallbackBatches++;
      const results = this.onMainThread(task.checks, task.start, task.end);
      task.out.set(results, task.start);
    }
    task.done();
  }

  private reportFailure(error: unknown): void {
    this.options.onWorkerFailure?.(error instanceof Error ? error : new Error(String(error)));
  }
}
