import type { Sample } from '../ipc/tasks.js';
import { heapUsedMB, rssMB, rssSplitMB } from './usage.js';

/**
 * Samples the local tip height (and RSS) every `intervalMs` of wall time: the series
 * behind the chart of blocks/s over time and the memory figure. Cheap (a store read and
 * three memory reads per sample) and unref'd, so it never keeps the process alive.
 */
export class HeightSampler {
  private readonly list: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  constructor(
    private readonly height: () => number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.started = performance.now();
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  samples(): readonly Sample[] {
    return this.list;
  }

  private take(): void {
    const t = (performance.now() - this.started) / 1000;
    const mb = (v: number) => Math.round(v * 10) / 10;
    const split = rssSplitMB();
    this.list.push([
      Math.round(t * 1000) / 1000,
      this.height(),
      mb(rssMB()),
      mb(heapUsedMB()),
      split ? mb(split.anon) : -1,
      split ? mb(split.file) : -1,
    ]);
  }
}
