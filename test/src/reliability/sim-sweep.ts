import { formatFailure, formatSeed, formatSummary, runSeed, runSweep } from './sweep.js';
import { parseSweepArgs, SweepArgsError, USAGE } from './sweep-args.js';
import { describeScenario } from './sweep-scenario.js';

/**
 * `pnpm sim [--seeds N] [--from S] | --seed S`: the simulation sweep of issue 11. Prints
 * one block per failing seed (with the command that replays it) and a summary; exits 1 on
 * any failure, 2 on a bad command line.
 */
async function main(argv: readonly string[]): Promise<number> {
  const args = parseSweepArgs(argv);
  switch (args.kind) {
    case 'help':
      console.log(USAGE);
      return 0;
    case 'one': {
      const result = await runSeed(args.seed);
      console.log(formatSeed(result));
      if (result.violations.length > 0) console.log(formatFailure(result));
      else console.log(`  scenario:\n  ${describeScenario(result.scenario)}`);
      return result.violations.length > 0 ? 1 : 0;
    }
    case 'range': {
      const summary = await runSweep({
        from: args.from,
        seeds: args.seeds,
        onResult: (r) => {
          if (r.violations.length > 0) console.log(formatFailure(r));
        },
      });
      console.log(formatSummary(summary));
      return summary.failed.length > 0 ? 1 : 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof SweepArgsError) {
      console.error(`sim: ${err.message} (${err.code})\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(err);
    process.exitCode = 1;
  },
);
