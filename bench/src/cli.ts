import { resolve } from 'node:path';
import { BenchError } from './errors.js';
import { DEFAULT_CACHE_DIR, DEFAULT_RESULTS_DIR } from './paths.js';

export interface BenchArgs {
  readonly quick: boolean;
  /** Where latest.json, latest.md and latest.svg go. */
  readonly outDir: string;
  /** Where generated chains are kept between runs. */
  readonly cacheDir: string;
}

export const USAGE = `pnpm bench [--quick] [--out <dir>] [--cache <dir>]
  --quick        small chains and short probes: a smoke test (about a minute on 2 cores)
  --out <dir>    results directory (default bench/results; env HOTSYNC_BENCH_OUT)
  --cache <dir>  chain cache (default bench/.cache; env HOTSYNC_BENCH_CACHE)`;

/** Flags win over the environment, which wins over the defaults. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchArgs {
  let quick = false;
  let outDir = env.HOTSYNC_BENCH_OUT;
  let cacheDir = env.HOTSYNC_BENCH_CACHE;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--'))
        throw new BenchError('bench.invalid-argument', `${arg} needs a value\n${USAGE}`);
      return v;
    };
    switch (arg) {
      case '--quick':
        quick = true;
        break;
      case '--out':
        outDir = value();
        break;
      case '--cache':
        cacheDir = value();
        break;
      case '--':
        break;
      default:
        throw new BenchError('bench.invalid-argument', `unknown argument ${arg}\n${USAGE}`);
    }
  }
  return {
    quick,
    outDir: resolve(outDir ?? DEFAULT_RESULTS_DIR),
    cacheDir: resolve(cacheDir ?? DEFAULT_CACHE_DIR),
  };
}
