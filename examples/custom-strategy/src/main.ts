import { parseArgs } from 'node:util';
import {
  createProgressView,
  type LogLevelName,
  parentLogger,
  prettyLines,
  progressModeFor,
} from '@hotsync/example-libp2p-validator';
import { runCustomStrategy } from './run.js';
import { customStrategySummary } from './summary.js';

/* `node examples/custom-strategy/dist/main.js [options]` (after `pnpm build`): see README.md. */

const USAGE = `node examples/custom-strategy/dist/main.js [--blocks 5000] [--servers 3] [--range 128] [--seed 4]
    [--metrics-port <p>] [--log-level info] [--progress auto|tty|plain|none]`;

function int(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < min) {
    console.error(`--${name} must be an integer >= ${min}, got "${value}"\n${USAGE}`);
    process.exit(2);
  }
  return v;
}

function parse() {
  return parseArgs({
    options: {
      blocks: { type: 'string' },
      servers: { type: 'string' },
      range: { type: 'string' },
      seed: { type: 'string' },
      'metrics-port': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      progress: { type: 'string', default: 'auto' },
      help: { type: 'boolean', default: false },
    },
  }).values;
}
let values: ReturnType<typeof parse>;
try {
  values = parse();
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const mode = values.progress === 'auto' ? progressModeFor(process.stdout) : values.progress;
if (mode !== 'tty' && mode !== 'plain' && mode !== 'none') {
  console.error(`--progress is auto, tty, plain or none\n${USAGE}`);
  process.exit(2);
}
const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];
if (!levels.includes(values['log-level'])) {
  console.error(`--log-level is one of ${levels.join(', ')}\n${USAGE}`);
  process.exit(2);
}
const view = createProgressView({ mode, stream: process.stdout });
const logger = parentLogger(
  'custom-strategy',
  values['log-level'] as LogLevelName,
  prettyLines({ colorize: mode === 'tty' }),
  (line) => view.log(line),
);

try {
  const result = await runCustomStrategy(
    {
      seed: int('seed', values.seed, 4, 0),
      blocks: int('blocks', values.blocks, 5_000, 10),
      servers: int('servers', values.servers, 3, 1),
      rangeSize: int('range', values.range, 128, 1),
      logger,
      ...(values['metrics-port'] !== undefined && {
        metricsPort: int('metrics-port', values['metrics-port'], 0, 0),
      }),
    },
    view,
  );
  for (const line of customStrategySummary(result)) console.log(line);
  process.exitCode = result.outcome.kind === 'synced' && result.identical && result.stateRootMatches ? 0 : 1;
} catch (err) {
  view.stop();
  console.error(`\ncustom-strategy failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
setTimeout(() => process.exit(process.exitCode), 5_000).unref();
