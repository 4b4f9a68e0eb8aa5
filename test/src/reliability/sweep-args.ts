import { parseArgs } from 'node:util';

export type SweepArgsErrorCode = 'sweep.bad-flag' | 'sweep.invalid-value' | 'sweep.conflicting-flags';

/** A command line the sweep cannot run: the message says which flag and why. */
export class SweepArgsError extends Error {
  constructor(
    readonly code: SweepArgsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SweepArgsError';
  }
}

/** What the CLI runs: a range of seeds, exactly one seed (verbose), or the help text. */
export type SweepArgs =
  | { readonly kind: 'range'; readonly from: number; readonly seeds: number }
  | { readonly kind: 'one'; readonly seed: number }
  | { readonly kind: 'help' };

export const DEFAULT_SEEDS = 200;

export const USAGE = `usage: pnpm sim [--seeds N] [--from S] | --seed S

  --seeds N   how many seeds to run (default ${DEFAULT_SEEDS})
  --from S    the first seed (default 1)
  --seed S    run exactly seed S, verbosely (what a failure's replay command does)
  --help      this text

Each seed is a random simnet scenario (chain, links, partitions, churn, Byzantine peers,
strategy); the run checks that the node converges to the honest tip, stores no invalid
block, never bans or blames an honest peer, and keeps the download window within its
configured bound. Exit code 1 when any seed fails.`;

function integer(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw))
    throw new SweepArgsError('sweep.invalid-value', `--${flag} needs a whole number, got "${raw}"`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new SweepArgsError('sweep.invalid-value', `--${flag} must be an integer >= ${min}, got ${raw}`);
  return n;
}

/** Parses the sweep's flags (node:util parseArgs, strict): typed errors on anything else. */
export function parseSweepArgs(argv: readonly string[]): SweepArgs {
  let values: { seeds?: string; from?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seeds: { type: 'string' },
        from: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new SweepArgsError('sweep.bad-flag', (err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const seed = integer('seed', values.seed, 0);
  const seeds = integer('seeds', values.seeds, 1);
  const from = integer('from', values.from, 0);
  if (seed !== undefined) {
    if (seeds !== undefined || from !== undefined)
      throw new SweepArgsError(
        'sweep.conflicting-flags',
        '--seed runs one seed: do not combine it with --seeds or --from',
      );
    return { kind: 'one', seed };
  }
  return { kind: 'range', from: from ?? 1, seeds: seeds ?? DEFAULT_SEEDS };
}
