import type { FromValidator } from './ipc.js';
import { type LinePrinter, parentLogger, prettyLines } from './log.js';
import {
  createProgressView,
  type ProgressMode,
  type ProgressView,
  progressModeFor,
} from './progress-view.js';

/** What a demo writes to: the progress view, the validators' log printer, its own narrative lines. */
export interface DemoIo {
  readonly view: ProgressView;
  /** Formats the validators' log lines (pino JSON). */
  readonly printer: LinePrinter;
  /** The demo's own narrative lines. */
  readonly say: (line: string) => void;
}

export interface DemoMainOptions<R> {
  /** The logger's name and the subject of "… failed". */
  readonly name: string;
  readonly progress: ProgressMode | 'auto';
  readonly logJson: boolean;
  /** The demo itself; it must stop every process it started before it settles. */
  readonly run: (signal: AbortSignal, io: DemoIo) => Promise<R>;
  /** The lines printed when it succeeded. */
  readonly summary: (result: R) => readonly string[];
}

/**
 * A demo as a command: stdout gets the progress view (a bar on a terminal, lines
 * otherwise), the validators' logs and the summary; Ctrl-C aborts the run (which stops
 * every validator). Exit code 0 with the summary, 1 with a one-line reason, 130 when
 * interrupted; a handle that lingers after the run cannot keep the process alive.
 */
export async function runDemoMain<R>(options: DemoMainOptions<R>): Promise<void> {
  const mode = options.progress === 'auto' ? progressModeFor(process.stdout) : options.progress;
  const view = createProgressView({ mode, stream: process.stdout });
  const printer = prettyLines({ colorize: mode === 'tty', json: options.logJson });
  const logger = parentLogger(options.name, 'info', printer, (line) => view.log(line));
  const abort = new AbortController();
  process.once('SIGINT', () => {
    logger.warn('interrupted: stopping every validator');
    abort.abort(new Error('interrupted (SIGINT)'));
  });
  try {
    const result = await options.run(abort.signal, { view, printer, say: (line) => logger.info(line) });
    for (const line of options.summary(result)) console.log(line);
    process.exitCode = 0;
  } catch (err) {
    view.stop();
    const reason = abort.signal.aborted
      ? String(abort.signal.reason)
      : err instanceof Error
        ? err.message
        : String(err);
    console.error(`\n${options.name} failed: ${reason}`);
    process.exitCode = abort.signal.aborted ? 130 : 1;
  }
  // Everything was stopped; if a handle still lingers, do not hang.
  setTimeout(() => process.exit(process.exitCode), 5_000).unref();
}

/** A validator's sync progress, as it reports it over IPC, drawn by the view (other messages are ignored). */
export function showSyncProgress(name: string, message: FromValidator, view: ProgressView): void {
  if (message.type !== 'sync-progress') return;
  const p = message.progress;
  if (p.target === undefined || p.phase === 'idle') return;
  view.update({
    label: name,
    phase: p.phase,
    value: p.height,
    total: p.target,
    ratePerSec: p.ratePerSec,
    etaMs: p.etaMs,
    peers: p.peers,
  });
}
