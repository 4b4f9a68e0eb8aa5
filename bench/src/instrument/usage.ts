import { readFileSync } from 'node:fs';

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

/**
 * The resident set split into anonymous memory (heaps, buffers: what the process holds)
 * and file-backed pages (LMDB's memory maps: page cache the kernel can drop), from
 * /proc/self/status; undefined where that file does not exist (not Linux).
 */
export function rssSplitMB(): { anon: number; file: number } | undefined {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const kB = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const anon = kB('RssAnon');
  const file = kB('RssFile') + kB('RssShmem');
  return Number.isFinite(anon) && Number.isFinite(file)
    ? { anon: (anon * 1024) / 1e6, file: (file * 1024) / 1e6 }
    : undefined;
}

/** The V8 heap in use (`process.memoryUsage().heapUsed`), in MB. */
export function heapUsedMB(): number {
  return process.memoryUsage().heapUsed / 1e6;
}

/** Wall-clock now in ms since the epoch with sub-ms precision, comparable across processes. */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}
