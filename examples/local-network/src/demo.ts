import {
  type ConsensusSettings,
  type DataDirs,
  DEMO_CONSENSUS,
  DEMO_SYNC,
  type DemoIo,
  ExampleError,
  ensureHistory,
  type History,
  LocalCluster,
  type LogLevelName,
  openDataDirs,
  QcLedger,
  type SyncReport,
  type SyncSettings,
  showSyncProgress,
  type ValidatorStatus,
} from '@hotsync/example-libp2p-validator';

export interface LocalNetworkDemoOptions {
  /** Seeds the history, the keys and the payloads. */
  readonly seed: number;
  /** Generated blocks the network starts from. */
  readonly historyBlocks: number;
  /** Keep the data here (must be empty or missing); default a temporary directory, removed at the end. */
  readonly dataDir?: string;
  /** Where generated histories are cached (default: inside the data directory, so not kept). */
  readonly cacheDir?: string;
  /** Live blocks the three early validators commit on top of the history before the late one starts. */
  readonly liveBlocksBeforeJoin: number;
  /** QCs carrying the late validator's signature to see (in v0's committed blocks) before stopping. */
  readonly votes: number;
  /** Everything must be done within this, or the demo fails. */
  readonly timeoutMs: number;
  /** `/metrics` of validator i on `metricsPort + i` (0: free ports); undefined: no metrics servers. */
  readonly metricsPort?: number;
  /** Log level of the validator processes. */
  readonly logLevel: LogLevelName;
  readonly consensus?: Partial<ConsensusSettings>;
  readonly sync?: Partial<SyncSettings>;
  /** Aborting stops every process and makes the demo fail (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** What happened, measured; the summary prints it. */
export interface LocalNetworkDemoResult {
  readonly history: History;
  readonly dataDir: string;
  readonly kept: boolean;
  /** v0's committed height when the late validator started (history + live blocks). */
  readonly heightAtJoin: number;
  readonly liveBlocksBeforeJoin: number;
  readonly lateValidator: string;
  readonly lateIndex: number;
  /** The late validator's own measurement of its pause → sync → resume. */
  readonly sync: SyncReport;
  /** Later, short syncs of the late validator (the network moved on while it delivered the first). */
  readonly topUps: readonly SyncReport[];
  readonly pausedAtHeight: number;
  readonly resumedAtHeight: number;
  /** Where it resumed the last time (after any top-up): votes are counted above it. */
  readonly lastResumedAtHeight: number;
  /** QCs in blocks v0 committed that carry the late validator's signature. */
  readonly votes: { readonly qcs: number; readonly firstHeight: number; readonly lastHeight: number };
  /** Last status of each validator before the stop. */
  readonly final: Readonly<Record<string, ValidatorStatus>>;
  readonly exitCodes: Readonly<Record<string, number | null>>;
  readonly metricsPorts: Readonly<Record<string, number | undefined>>;
  /** What the late validator's `/metrics` answered after it voted again (when served). */
  readonly lateMetrics: string | undefined;
  readonly seconds: number;
}

export type { DemoIo };

export const VALIDATORS = 4;
/** Depth of the reference state tree (1,024 buckets: plenty for the payload's 5,000 keys). */
export const STATE_DEPTH = 10;
const LATE = 3;
const EARLY = [0, 1, 2];
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The local network demo: 4 validator processes on 127.0.0.1. Validators 0-2 start from a
 * pre-generated history and commit live blocks on top; validator 3 starts from genesis, is
 * paused by its coordinator, syncs (adaptive: parallel ranges, then incremental to the tip)
 * with a progress view, resumes, and its signature shows up in the QCs of later blocks.
 * Every process is stopped before it returns, also when it fails.
 */
export async function runLocalNetworkDemo(
  options: LocalNetworkDemoOptions,
  io: DemoIo,
): Promise<LocalNetworkDemoResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const left = () => {
    options.signal?.throwIfAborted();
    const ms = deadline - Date.now();
    if (ms <= 0)
      throw new ExampleError('example.timeout', `the demo did not finish within ${secs(options.timeoutMs)}`);
    return ms;
  };
  const dirs: DataDirs = await openDataDirs(options.dataDir, options.cacheDir);
  let cluster: LocalCluster | undefined;
  // v0's committed blocks and who signed their QCs, from its status reports.
  const ledger = new QcLedger();
  const lateSyncs: SyncReport[] = [];
  let lateResumedAt = -1;
  try {
    const history = await prepareHistory(options, dirs, io);
    cluster = await LocalCluster.create({
      history,
      dataDir: dirs.dataDir,
      consensus: { ...DEMO_CONSENSUS, ...options.consensus },
      sync: { ...DEMO_SYNC, ...options.sync },
      ...(options.metricsPort !== undefined && { metricsPort: options.metricsPort }),
      logLevel: options.logLevel,
      onLine: (name, line, stream) => {
        const text = io.printer.format(line);
        io.view.log(stream === 'stderr' ? `[${name} stderr] ${text}` : text);
      },
      onMessage: (name, message) => {
        if (name === 'v0' && message.type === 'status') ledger.add(message.status.recentQcs);
        if (name === `v${LATE}` && message.type === 'sync-report') lateSyncs.push(message.report);
        if (name === `v${LATE}` && message.type === 'mode' && message.to === 'participating') {
          lateResumedAt = message.height;
        }
        showSyncProgress(name, message, io.view);
      },
    });
    const running = cluster;
    options.signal?.addEventListener('abort', () => void running.stopAll(), { once: true });
    const played = await play(cluster, history, ledger, options, io, left, {
      syncs: () => lateSyncs,
      resumedAt: () => lateResumedAt,
    });
    io.say('stopping every validator');
    const exitCodes = Object.fromEntries(await cluster.stopAll());
    cluster = undefined;
    const failed = Object.entries(exitCodes).filter(([, code]) => code !== 0);
    if (failed.length > 0) {
      throw new ExampleError(
        'example.process-failed',
        `validators did not stop cleanly: ${failed.map(([v, c]) => `${v} exit code ${c}`).join(', ')}`,
      );
    }
    return {
      ...played,
      history,
      dataDir: dirs.dataDir,
      kept: dirs.keep,
      exitCodes,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    io.view.stop();
    if (cluster) await cluster.stopAll();
    await dirs.close();
  }
}

async function prepareHistory(
  options: LocalNetworkDemoOptions,
  dirs: DataDirs,
  io: DemoIo,
): Promise<History> {
  const params = {
    seed: options.seed,
    blocks: options.historyBlocks,
    validators: VALIDATORS,
    stateDepth: STATE_DEPTH,
    transactionsPerBlock: 8,
  };
  const t0 = Date.now();
  let shownAt = t0 + 300; // the first reading after a moment: a rate from one block says nothing
  const history = await ensureHistory(params, dirs.cacheRoot, (height) => {
    const now = Date.now();
    if (now - shownAt < 200) return;
    shownAt = now;
    const rate = height / Math.max(0.001, (now - t0) / 1000);
    io.view.update({
      phase: 'generating',
      value: height,
      total: params.blocks,
      ratePerSec: rate,
      etaMs: rate > 0 ? ((params.blocks - height) / rate) * 1000 : undefined,
    });
  });
  io.view.done();
  io.say(
    history.generated
      ? `generated a history of ${n(history.tipHeight)} signed blocks in ${history.seconds.toFixed(1)} s (${n(history.tipHeight / history.seconds)} blocks/s) into ${history.dir}`
      : `history of ${n(history.tipHeight)} blocks from the cache: ${history.dir}`,
  );
  return history;
}

type Played = Omit<LocalNetworkDemoResult, 'history' | 'dataDir' | 'kept' | 'exitCodes' | 'seconds'>;

async function play(
  cluster: LocalCluster,
  history: History,
  ledger: QcLedger,
  options: LocalNetworkDemoOptions,
  io: DemoIo,
  left: () => number,
  late: { readonly syncs: () => readonly SyncReport[]; readonly resumedAt: () => number },
): Promise<Played> {
  io.say(`starting v0, v1, v2 as processes on 127.0.0.1, each with a copy of the history`);
  await Promise.all(EARLY.map((i) => cluster.launch(i, { fromHistory: true })));
  await Promise.all(EARLY.map((i) => cluster.connect(i, left())));
  for (const l of cluster.all()) {
    io.say(
      `  ${l.process.name}: pid ${l.process.pid}, ${l.address.addrs[0]}${
        l.metricsPort === undefined ? '' : `, metrics http://127.0.0.1:${l.metricsPort}/metrics`
      }`,
    );
  }
  const v0 = cluster.get(0).process;
  const t0 = Date.now();
  const atJoin = await v0.until(
    (s) => s.committedHeight >= history.tipHeight + options.liveBlocksBeforeJoin,
    left(),
    `${options.liveBlocksBeforeJoin} live blocks on top of the history`,
  );
  const live = atJoin.committedHeight - history.tipHeight;
  io.say(
    `live consensus: v0, v1, v2 committed ${n(live)} blocks on top of the history in ${secs(Date.now() - t0)} (v3's views time out)`,
  );

  io.say(`starting v${LATE} from genesis, ${n(atJoin.committedHeight)} blocks behind`);
  const launched = await cluster.launch(LATE, { fromHistory: false });
  const lateProcess = launched.process;
  if (launched.metricsPort !== undefined) {
    io.say(`  v${LATE}: metrics http://127.0.0.1:${launched.metricsPort}/metrics`);
  }
  const paused = lateProcess.next('mode', left(), (m) => m.to === 'syncing');
  const resumed = lateProcess.next('mode', left(), (m) => m.to === 'participating');
  const reported = lateProcess.next('sync-report', left());
  await cluster.connect(LATE, left());
  const pause = await paused;
  io.say(
    `v${LATE}: the coordinator paused consensus at height ${n(pause.height)} (${pause.reason}) and syncs`,
  );
  const back = await resumed;
  io.view.done();
  const sync = (await reported).report;
  io.say(
    `v${LATE}: synced ${n(sync.blocks)} blocks in ${sync.seconds.toFixed(1)} s; consensus resumed at height ${n(back.height)}`,
  );

  // Its votes: v0 decodes the justify QC of every block it commits; count those with v3's bit
  // that certify blocks above the height v3 last resumed at (so they were formed after it).
  // If the network moved on while v3 delivered, its coordinator tops up first: that is awaited too.
  await v0.until(
    () =>
      lateProcess.status?.mode === 'participating' &&
      ledger.signedAbove(LATE, late.resumedAt()).qcs >= options.votes,
    left(),
    `${options.votes} QCs signed by v${LATE} after it resumed`,
  );
  const resumedAt = late.resumedAt();
  const votes = ledger.signedAbove(LATE, resumedAt);
  io.say(
    `v${LATE} votes again: its signature is in the QCs of ${votes.qcs} blocks v0 committed (heights ${n(votes.firstHeight)} to ${n(votes.lastHeight)})`,
  );

  // One more status round, so the final figures are current.
  await Promise.all(cluster.all().map((l) => l.process.next('status', left())));
  const final: Record<string, ValidatorStatus> = {};
  const metricsPorts: Record<string, number | undefined> = {};
  for (const l of cluster.all()) {
    if (l.process.status) final[l.process.name] = l.process.status;
    metricsPorts[l.process.name] = l.metricsPort;
  }
  // What Prometheus would scrape from the validator that paused, synced and resumed.
  const latePort = cluster.get(LATE).metricsPort;
  const lateMetrics =
    latePort === undefined
      ? undefined
      : await (
          await fetch(`http://127.0.0.1:${latePort}/metrics`, { signal: AbortSignal.timeout(5_000) })
        ).text();
  return {
    heightAtJoin: atJoin.committedHeight,
    liveBlocksBeforeJoin: live,
    lateValidator: `v${LATE}`,
    lateIndex: LATE,
    sync,
    topUps: late.syncs().slice(1),
    pausedAtHeight: pause.height,
    resumedAtHeight: back.height,
    lastResumedAtHeight: resumedAt,
    votes,
    final,
    metricsPorts,
    lateMetrics,
  };
}
