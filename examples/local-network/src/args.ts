import { parseArgs } from 'node:util';
import {
  defaultCacheRoot,
  ExampleError,
  type LogLevelName,
  type ProgressMode,
} from '@hotsync/example-libp2p-validator';
import type { LocalNetworkDemoOptions } from './demo.js';

export const USAGE = `pnpm demo [-- options]   (or: node examples/local-network/dist/main.js [options])

Four HotStuff-2 validators as processes on 127.0.0.1: three continue a generated history
with live consensus, the fourth starts from genesis, syncs, resumes and votes again.

  --blocks <n>         generated history height (default 20000)
  --seed <n>           chain seed (default 1)
  --live-blocks <n>    live blocks before the late validator starts (default 20)
  --votes <n>          QCs with its signature to see before stopping (default 5)
  --data <dir>         keep the data here (empty or new); default: a temporary directory
  --cache <dir>        history cache (default ${defaultCacheRoot()})
  --no-cache           generate the history into the data directory, cache nothing
  --metrics-port <p>   /metrics of validator i on port p+i (0: free ports); default: off
  --log-level <l>      validators' log level: trace debug info warn error silent (default info)
  --log-json           print the validators' logs as pino JSON lines
  --progress <m>       auto | tty | plain | none (default auto: a bar on a terminal, lines otherwise)
  --timeout <s>        fail unless done within this many seconds (default 300)
  --help`;

export interface CliOptions {
  readonly demo: LocalNetworkDemoOptions;
  readonly progress: ProgressMode | 'auto';
  readonly logJson: boolean;
  readonly help: boolean;
}

const LEVELS: readonly LogLevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new ExampleError(
      'example.invalid-option',
      `--${name} must be an integer in ${min}..${max}, got "${value}"`,
    );
  }
  return v;
}

export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      blocks: { type: 'string' },
      seed: { type: 'string' },
      'live-blocks': { type: 'string' },
      votes: { type: 'string' },
      data: { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      'metrics-port': { type: 'string' },
      'log-level': { type: 'string' },
      'log-json': { type: 'boolean', default: false },
      progress: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const logLevel = (values['log-level'] ?? 'info') as LogLevelName;
  if (!LEVELS.includes(logLevel)) {
    throw new ExampleError('example.invalid-option', `--log-level must be one of ${LEVELS.join(', ')}`);
  }
  const progress = (values.progress ?? 'auto') as ProgressMode | 'auto';
  if (!['auto', 'tty', 'plain', 'none'].includes(progress)) {
    throw new ExampleError('example.invalid-option', '--progress must be auto, tty, plain or none');
  }
  if (values['no-cache'] && values.cache !== undefined) {
    throw new ExampleError('example.invalid-option', '--cache and --no-cache exclude each other');
  }
  const metricsPort =
    values['metrics-port'] === undefined
      ? undefined
      : int('metrics-port', values['metrics-port'], 0, 0, 65_532);
  return {
    demo: {
      seed: int('seed', values.seed, 1, 0, 2 ** 32 - 1),
      historyBlocks: int('blocks', values.blocks, 20_000, 100, 1_000_000),
      liveBlocksBeforeJoin: int('live-blocks', values['live-blocks'], 20, 0, 100_000),
      votes: int('votes', values.votes, 5, 1, 10_000),
      timeoutMs: int('timeout', values.timeout, 300, 10, 86_400) * 1000,
      logLevel,
      ...(values.data !== undefined && { dataDir: values.data }),
      ...(!values['no-cache'] && { cacheDir: values.cache ?? defaultCacheRoot() }),
      ...(metricsPort !== undefined && { metricsPort }),
    },
    progress,
    logJson: values['log-json'],
    help: values.help,
  };
}
