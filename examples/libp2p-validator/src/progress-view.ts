import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** One progress reading: what the view shows. */
export interface ProgressReading {
  /** What is running: `generating`, a sync phase (`downloading-blocks`, `catching-up`, ...). */
  readonly phase: string;
  readonly value: number;
  readonly total: number;
  /** Items per second, measured. */
  readonly ratePerSec: number;
  readonly etaMs: number | undefined;
  readonly peers?: number;
  /** Shown before the bar (a validator's name). */
  readonly label?: string;
}

/**
 * A live progress line and the log lines around it. On a terminal it is a cli-progress bar
 * redrawn in place, with log lines printed above it; elsewhere (CI, a pipe, a file) plain
 * lines: one every `plainIntervalMs` and one at every phase change, never escape codes.
 */
export interface ProgressView {
  log(line: string): void;
  update(reading: ProgressReading): void;
  /** Ends the current bar (leaves its last state on screen); the next update starts a new one. */
  done(): void;
  stop(): void;
}

export type ProgressMode = 'tty' | 'plain' | 'none';

export interface ProgressViewOptions {
  readonly mode: ProgressMode;
  readonly stream: NodeJS.WritableStream;
  readonly plainIntervalMs?: number;
}

export function createProgressView(options: ProgressViewOptions): ProgressView {
  switch (options.mode) {
    case 'tty':
      return new TerminalView(options.stream);
    case 'plain':
      return new PlainView(options.stream, options.plainIntervalMs ?? 2_000, true);
    case 'none':
      return new PlainView(options.stream, Number.POSITIVE_INFINITY, false);
  }
}

/** `tty` when the stream is a terminal, else `plain`. */
export function progressModeFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressMode {
  return stream.isTTY ? 'tty' : 'plain';
}

const num = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatEta(etaMs: number | undefined): string {
  if (etaMs === undefined || !Number.isFinite(etaMs)) return '--';
  const s = Math.ceil(etaMs / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The plain-text form of a reading (also the CI form). */
export function formatReading(r: ProgressReading): string {
  const pct = r.total > 0 ? Math.min(100, (100 * r.value) / r.total).toFixed(0) : '0';
  const peers = r.peers === undefined ? '' : ` | peers ${r.peers}`;
  return `${r.label ? `${r.label} ` : ''}${r.phase} | ${num(r.value)}/${num(r.total)} (${pct}%) | ${num(r.ratePerSec)} blocks/s | ETA ${formatEta(r.etaMs)}${peers}`;
}

class TerminalView implements ProgressView {
  private bars: MultiBar | undefined;
  private bar: SingleBar | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  update(r: ProgressReading): void {
    const payload = {
      label: r.label ?? '',
      phase: r.phase.padEnd(17),
      rate: num(r.ratePerSec).padStart(6),
      left: formatEta(r.etaMs).padStart(6), // not `eta`: cli-progress computes its own under that name
      peers: r.peers === undefined ? '' : ` | peers ${r.peers}`,
      done: num(r.value),
      all: num(r.total),
    };
    if (!this.bars) {
      this.bars = new MultiBar(
        {
          stream: this.stream,
          format: '{label} {phase} |{bar}| {done}/{all} | {rate} blocks/s | ETA {left}{peers}',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 20,
          fps: 10,
        },
        Presets.shades_classic,
      );
      this.bar = this.bars.create(Math.max(1, r.total), r.value, payload);
      return;
    }
    this.bar!.setTotal(Math.max(1, r.total));
    this.bar!.update(Math.min(r.value, Math.max(1, r.total)), payload);
  }

  done(): void {
    this.bars?.stop();
    this.bars = undefined;
    this.bar = undefined;
  }

  stop(): void {
    this.done();
  }
}

class PlainView implements ProgressView {
  private lastAt = 0;
  private lastPhase: string | undefined;
  private last: ProgressReading | undefined;
  private printed: ProgressReading | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly intervalMs: number,
    private readonly show: boolean,
  ) {}

  log(line: string): void {
    this.stream.write(`${line}\n`);
  }

  update(r: ProgressReading): void {
    this.last = r;
    if (!this.show) return;
    const now = Date.now();
    if (r.phase !== this.lastPhase || now - this.lastAt >= this.intervalMs) {
      this.lastAt = now;
      this.lastPhase = r.phase;
      this.printed = r;
      this.log(formatReading(r));
    }
  }

  done(): void {
    const { last, printed } = this;
    const fresh = last && (!printed || last.phase !== printed.phase || last.value !== printed.value);
    if (this.show && last && fresh) this.log(formatReading(last));
    this.last = undefined;
    this.printed = undefined;
    this.lastPhase = undefined;
  }

  stop(): void {
    this.last = undefined;
  }
}
