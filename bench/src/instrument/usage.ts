/** What the syncing process itself used: CPU time (all threads) and its peak resident set. */
export interface CpuMark {
  readonly usage: NodeJS.CpuUsage;
}

export function cpuMark(): CpuMark {
  return { usage: process.cpuUsage() };
}

export function cpuSince(mark: CpuMark): { user: number; system: number } {
  const d = process.cpuUsage(mark.usage);
  return { user: d.user / 1e6, system: d.system / 1e6 };
}

/** process.resourceUsage().maxRSS is in kilobytes. */
export function peakRssMB(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

export function rssMB(): number {
  return process.memoryUsage.rss() / 1e6;
}

/** The V8 heap in use (`process.memoryUsage().heapUsed`), in MB. */
export function heapUsedMB(): number {
  return process.memoryUsage().heapUsed / 1e6;
}

/** Wall-clock now in ms since the epoch with sub-ms precision, comparable across processes. */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}
