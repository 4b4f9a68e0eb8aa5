import {
  createProgressView,
  parentLogger,
  prettyLines,
  progressModeFor,
} from '@hotsync/example-libp2p-validator';
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

const mode = cli.progress === 'auto' ? progressModeFor(process.stdout) : cli.progress;
const view = createProgressView({ mode, stream: process.stdout });
const printer = prettyLines({ colorize: mode === 'tty', json: cli.logJson });
const logger = parentLogger('demo', 'info', printer, (line) => view.log(line));
const abort = new AbortController();
process.once('SIGINT', () => {
  logger.warn('interrupted: stopping every validator');
  abort.abort(new Error('interrupted (SIGINT)'));
});

try {
  const result = await runLocalNetworkDemo(
    { ...cli.demo, signal: abort.signal },
    { view, printer, say: (line) => logger.info(line) },
  );
  for (const line of summaryLines(result)) console.log(line);
  process.exitCode = 0;
} catch (err) {
  view.stop();
  const reason = abort.signal.aborted
    ? String(abort.signal.reason)
    : err instanceof Error
      ? err.message
      : String(err);
  console.error(`\ndemo failed: ${reason}`);
  process.exitCode = abort.signal.aborted ? 130 : 1;
}
// Everything was stopped; if a handle still lingers, do not hang.
setTimeout(() => process.exit(process.exitCode), 5_000).unref();
