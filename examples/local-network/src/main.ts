import { runDemoMain } from '@hotsync/example-libp2p-validator';
import { parseCli, USAGE } from './args.js';
import { runLocalNetworkDemo } from './demo.js';
import { summaryLines } from './summary.js';

/*
 * `pnpm demo`: the local network demo (see README.md). Exit code 0 with the summary, or a
 * clear message and a non-zero code; every validator process is stopped either way.
 */

let cli: ReturnType<typeof parseCli>;
try {
  cli = parseCli(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (cli.help) {
  console.log(USAGE);
  process.exit(0);
}

await runDemoMain({
  name: 'demo',
  progress: cli.progress,
  logJson: cli.logJson,
  run: (signal, io) => runLocalNetworkDemo({ ...cli.demo, signal }, io),
  summary: summaryLines,
});
