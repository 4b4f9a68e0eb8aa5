import { parseArgs } from 'node:util';
import {
  defaultCacheRoot,
  type LogLevelName,
  type ProgressMode,
  runDemoMain,
} from '@hotsync/example-libp2p-validator';
import { partitionSummary, runPartitionRecovery } from './partition.js';

/*
 * `pnpm --filter @hotsync/example-partition-recovery start` (after `pnpm build`): see README.md.
 */

const USAGE = `node examples/partition-recovery/dist/main.js [options]

Four validators; v3 is cut off while the others commit --gap blocks; the partition heals and
v3's sync coordinator catches it up.

  --blocks <n>        generated history height (default 1000)
  --seed <n>          chain seed (default 2)
  --gap <n>           blocks the others commit while v3 is cut off (default 150)
  --data <dir>        keep the data here (empty or new); default: a temporary directory
  --cache <dir>       history cache (default ${defaultCacheRoot()}); --no-cache: none
  --metrics-port <p>  /metrics of validator i on port p+i (0: free ports); default: off
  --log-level <l>     validators' log level (default info)
  --log-json          the validators' logs as pino JSON lines
  --progress <m>      auto | tty | plain | none
  --timeout <s>       fail unless done within this many seconds (default 240)`;

function int(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < min) {
    console.error(`--${name} must be an integer >= ${min}, got "${value}"\n\n${USAGE}`);
    process.exit(2);
  }
  return v;
}

let values: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      blocks: { type: 'string' },
      seed: { type: 'string' },
      gap: { type: 'string' },
      data: { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      'metrics-port': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'log-json': { type: 'boolean', default: false },
      progress: { type: 'string', default: 'auto' },
      timeout: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }).values;
}
try {
  values = parse();
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];
const modes = ['auto', 'tty', 'plain', 'none'];
if (!levels.includes(values['log-level']) || !modes.includes(values.progress)) {
  console.error(
    `--log-level is one of ${levels.join(', ')}; --progress one of ${modes.join(', ')}\n\n${USAGE}`,
  );
  process.exit(2);
}

const options = {
  seed: int('seed', values.seed, 2, 0),
  historyBlocks: int('blocks', values.blocks, 1_000, 100),
  liveBlocksBefore: 10,
  gapBlocks: int('gap', values.gap, 150, 1),
  blocksAfterHeal: 20,
  votes: 5,
  timeoutMs: int('timeout', values.timeout, 240, 10) * 1000,
  logLevel: values['log-level'] as LogLevelName,
  ...(values.data !== undefined && { dataDir: values.data }),
  ...(!values['no-cache'] && { cacheDir: values.cache ?? defaultCacheRoot() }),
  ...(values['metrics-port'] !== undefined && {
    metricsPort: int('metrics-port', values['metrics-port'], 0, 0),
  }),
};

await runDemoMain({
  name: 'partition-recovery',
  progress: values.progress as ProgressMode | 'auto',
  logJson: values['log-json'],
  run: (signal, io) => runPartitionRecovery({ ...options, signal }, io),
  summary: partitionSummary,
});
