import { join } from 'node:path';
import { ValidatorSchedule } from '@hotsync/core/testing';
import { ExampleError } from './errors.js';
import { copyHistory, type History } from './history.js';
import { type RosterEntry, rosterEntryOf } from './identity.js';
import type {
  ConsensusSettings,
  FromValidator,
  LogLevelName,
  PeerAddress,
  SyncSettings,
  ValidatorConfig,
} from './ipc.js';
import { ValidatorProcess } from './validator-process-handle.js';

export interface LocalClusterOptions {
  readonly history: History;
  /** Each validator gets `<dataDir>/v<i>`. */
  readonly dataDir: string;
  readonly consensus: ConsensusSettings;
  readonly sync: SyncSettings;
  /** `/metrics` of validator i on `metricsPort + i` (0: each on a free port); undefined: none. */
  readonly metricsPort?: number;
  readonly logLevel: LogLevelName;
  readonly reportIntervalMs?: number;
  readonly onLine: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  readonly onMessage?: (name: string, message: FromValidator) => void;
}

/** The demo consensus settings: a block every ~100 ms when all goes well, 300 ms view timers (a silent leader costs little). */
export const DEMO_CONSENSUS: ConsensusSettings = {
  proposeDelayMs: 100,
  baseTimeoutMs: 300,
  maxTimeoutMs: 4_000,
  transactionsPerBlock: 8,
};

export const DEMO_SYNC: SyncSettings = {
  maxBehindBlocks: 32,
  checkIntervalMs: 2_000,
  statusIntervalMs: 1_000,
  parallelThreshold: 64,
  strategy: 'catch-up',
};

/** Where a validator listens, as its peers dial it. */
export interface Launched {
  readonly process: ValidatorProcess;
  readonly index: number;
  readonly address: PeerAddress;
  readonly metricsPort: number | undefined;
  /** Committed height when it started listening. */
  readonly height: number;
}

/**
 * N validator processes on 127.0.0.1, each with its own data directory, all knowing the
 * roster (every validator's public key and libp2p peer id, as a genesis file would list
 * them). A validator launched `fromHistory` starts with a copy of the pre-generated history;
 * otherwise with genesis only.
 */
export class LocalCluster {
  private readonly launched = new Map<number, Launched>();

  private constructor(
    private readonly options: LocalClusterOptions,
    readonly roster: readonly RosterEntry[],
  ) {}

  static async create(options: LocalClusterOptions): Promise<LocalCluster> {
    const { chain } = options.history;
    const keys = new ValidatorSchedule(chain.seed, chain.validators, 1, 'equal').keys(0);
    return new LocalCluster(options, await Promise.all(keys.map((k) => rosterEntryOf(k))));
  }

  get size(): number {
    return this.roster.length;
  }

  /** Copies the history if asked, forks validator `index` and waits until it listens. */
  async launch(index: number, options: { readonly fromHistory: boolean }): Promise<Launched> {
    const o = this.options;
    const dataDir = join(o.dataDir, `v${index}`);
    if (options.fromHistory) await copyHistory(o.history, dataDir);
    const config: ValidatorConfig = {
      name: `v${index}`,
      index,
      dataDir,
      chain: o.history.chain,
      roster: this.roster,
      consensus: o.consensus,
      sync: o.sync,
      ...(o.metricsPort !== undefined && { metricsPort: o.metricsPort === 0 ? 0 : o.metricsPort + index }),
      logLevel: o.logLevel,
      reportIntervalMs: o.reportIntervalMs ?? 500,
    };
    const process = await ValidatorProcess.start({
      config,
      onLine: o.onLine,
      ...(o.onMessage && { onMessage: o.onMessage }),
    });
    const info = process.listening!;
    const launched: Launched = {
      process,
      index,
      address: { peerId: info.peerId, addrs: info.addrs },
      metricsPort: info.metricsPort,
      height: info.height,
    };
    this.launched.set(index, launched);
    return launched;
  }

  /**
   * Tells validator `index` to dial the others launched so far (they keep redialing each
   * other from then on) and waits until it runs consensus and its coordinator.
   */
  async connect(index: number, timeoutMs = 30_000): Promise<void> {
    const me = this.get(index);
    const peers = [...this.launched.values()].filter((l) => l.index !== index).map((l) => l.address);
    const running = me.process.next('running', timeoutMs);
    me.process.send({ type: 'connect', peers });
    await running;
  }

  get(index: number): Launched {
    const launched = this.launched.get(index);
    if (!launched) throw new ExampleError('example.invalid-option', `validator ${index} was not launched`);
    return launched;
  }

  all(): Launched[] {
    return [...this.launched.values()];
  }

  /** The first failure of any process, if one failed. */
  failure(): ExampleError | undefined {
    for (const l of this.launched.values()) {
      const f = l.process.failed();
      if (f) return f;
    }
    return undefined;
  }

  /** Stops every process (in parallel) and resolves with their exit codes. */
  async stopAll(): Promise<Map<string, number | null>> {
    const codes = new Map<string, number | null>();
    await Promise.all(
      [...this.launched.values()].map(async (l) => codes.set(l.process.name, await l.process.stop())),
    );
    return codes;
  }
}
