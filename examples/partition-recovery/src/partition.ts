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
  type SignedQcs,
  type SyncReport,
  type SyncSettings,
  showSyncProgress,
  type ValidatorStatus,
} from '@hotsync/example-libp2p-validator';

export interface PartitionRecoveryOptions {
  readonly seed: number;
  /** Generated blocks the network starts from (every validator has them). */
  readonly historyBlocks: number;
  readonly dataDir?: string;
  readonly cacheDir?: string;
  /** Live blocks all four commit before the partition. */
  readonly liveBlocksBefore: number;
  /**
   * Blocks the three others commit while the fourth is cut off. Above the engine's own
   * block retrieval (64): only the sync coordinator can bring it back.
   */
  readonly gapBlocks: number;
  /** Blocks the network commits after the partition healed before the run ends. */
  readonly blocksAfterHeal: number;
  /** QCs carrying the rejoined validator's signature to see before stopping. */
  readonly votes: number;
  readonly timeoutMs: number;
  readonly metricsPort?: number;
  readonly logLevel: LogLevelName;
  readonly consensus?: Partial<ConsensusSettings>;
  readonly sync?: Partial<SyncSettings>;
  readonly signal?: AbortSignal;
}

export interface PartitionRecoveryResult {
  readonly history: History;
  readonly cutOff: string;
  readonly partition: {
    readonly seconds: number;
    /** v0's height when the partition began and when it healed: the majority kept committing. */
    readonly majorityFrom: number;
    readonly majorityTo: number;
    /** The cut-off validator's height when it was cut off and when the partition healed. */
    readonly cutOffFrom: number;
    readonly cutOffTo: number;
  };
  /** From the heal to the coordinator's pause. */
  readonly detectSeconds: number;
  readonly pausedAtHeight: number;
  readonly sync: SyncReport;
  readonly topUps: readonly SyncReport[];
  readonly resumedAtHeight: number;
  /** QCs of blocks v0 committed after the resume that carry the rejoined validator's signature. */
  readonly votes: SignedQcs;
  /** v0's height when the run ended: the network went on committing after the heal. */
  readonly majorityEnd: number;
  readonly final: Readonly<Record<string, ValidatorStatus>>;
  readonly exitCodes: Readonly<Record<string, number | null>>;
  readonly seconds: number;
}

export type PartitionIo = DemoIo;

const CUT = 3;
const ALL = [0, 1, 2, 3];
const n = (x: number) => Math.round(x).toLocaleString('en-US');

/**
 * Partition recovery: four validator processes run consensus on a generated history; v3 is
 * cut off (every connection closed, new ones refused), the other three keep committing
 * (three of four equal votes are a quorum); the partition heals; v3's sync coordinator sees
 * the gap in its peers' statuses, pauses its engine, syncs, delivers, resumes, and v3's
 * signature is back in the QCs. Every process is stopped before it returns.
 */
export async function runPartitionRecovery(
  options: PartitionRecoveryOptions,
  io: PartitionIo,
): Promise<PartitionRecoveryResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const left = () => {
    options.signal?.throwIfAborted();
    const ms = deadline - Date.now();
    if (ms <= 0) throw new ExampleError('example.timeout', `not done within ${options.timeoutMs / 1000} s`);
    return ms;
  };
  const dirs: DataDirs = await openDataDirs(options.dataDir, options.cacheDir);
  const ledger = new QcLedger();
  const syncs: SyncReport[] = [];
  let resumedAt = -1;
  let cluster: LocalCluster | undefined;
  try {
    const history = await ensureHistory(
      {
        seed: options.seed,
        blocks: options.historyBlocks,
        validators: ALL.length,
        stateDepth: 10,
        transactionsPerBlock: 8,
      },
      dirs.cacheRoot,
    );
    io.say(
      `history of ${n(history.tipHeight)} blocks ${history.generated ? `generated in ${history.seconds.toFixed(1)} s` : 'from the cache'}`,
    );
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
        if (name === `v${CUT}`) {
          if (message.type === 'sync-report') syncs.push(message.report);
          if (message.type === 'mode' && message.to === 'participating') resumedAt = message.height;
          showSyncProgress(name, message, io.view);
        }
      },
    });
    const running = cluster;
    options.signal?.addEventListener('abort', () => void running.stopAll(), { once: true });

    io.say('starting v0..v3 as processes on 127.0.0.1, each with a copy of the history');
    await Promise.all(ALL.map((i) => running.launch(i, { fromHistory: true })));
    await Promise.all(ALL.map((i) => running.connect(i, left())));
    const v0 = running.get(0).process;
    const cut = running.get(CUT).process;
    const live = history.tipHeight + options.liveBlocksBefore;
    await v0.until((s) => s.committedHeight >= live, left(), `${options.liveBlocksBefore} live blocks`);
    await cut.until((s) => s.committedHeight >= live, left(), `v${CUT} at ${live}`);
    io.say(`all four validators commit live blocks (height ${n(v0.status!.committedHeight)})`);

    // The partition.
    const isolated = cut.next('status', left(), (m) => m.status.isolated && m.status.connectedPeers === 0);
    cut.send({ type: 'isolate' });
    const cutFrom = (await isolated).status.committedHeight;
    const majorityFrom = v0.status!.committedHeight;
    const cutAt = Date.now();
    io.say(`v${CUT} is cut off at height ${n(cutFrom)}: its connections are closed and new ones refused`);
    // From the higher of the two: v0 may have committed a block or two more by the time
    // v3 reported itself isolated, and the majority must commit the whole gap without v3.
    const gapFrom = Math.max(cutFrom, majorityFrom);
    const healAt = await v0.until(
      (s) => s.committedHeight >= gapFrom + options.gapBlocks,
      left(),
      `the three others committing ${options.gapBlocks} blocks without v${CUT}`,
    );
    const cutTo = cut.status!.committedHeight;
    const partitionSeconds = (Date.now() - cutAt) / 1000;
    io.say(
      `the others went on: v0 committed ${n(healAt.committedHeight - majorityFrom)} blocks in ${partitionSeconds.toFixed(1)} s while v${CUT} stayed at ${n(cutTo)}`,
    );

    // The heal, and what the coordinator makes of it.
    const paused = cut.next('mode', left(), (m) => m.to === 'syncing');
    const resumed = cut.next('mode', left(), (m) => m.to === 'participating');
    const reported = cut.next('sync-report', left());
    const healedAt = Date.now();
    cut.send({ type: 'heal' });
    io.say(`the partition heals: v${CUT} reconnects`);
    const pause = await paused;
    const detectSeconds = (Date.now() - healedAt) / 1000;
    io.say(
      `v${CUT}: its coordinator detected the gap after ${detectSeconds.toFixed(1)} s: ${pause.reason}; consensus paused, syncing`,
    );
    const back = await resumed;
    io.view.done();
    const sync = (await reported).report;
    io.say(
      `v${CUT}: synced ${n(sync.blocks)} blocks in ${sync.seconds.toFixed(1)} s and resumed at height ${n(back.height)}`,
    );

    const endAt = back.height + options.blocksAfterHeal;
    await v0.until(
      (s) =>
        s.committedHeight >= endAt &&
        cut.status?.mode === 'participating' &&
        ledger.signedAbove(CUT, resumedAt).qcs >= options.votes,
      left(),
      `${options.blocksAfterHeal} more blocks with v${CUT} signing ${options.votes} QCs`,
    );
    const votes = ledger.signedAbove(CUT, resumedAt);
    io.say(
      `the network keeps committing with v${CUT}: its signature is in the QCs of ${votes.qcs} blocks v0 committed (heights ${n(votes.firstHeight)} to ${n(votes.lastHeight)})`,
    );
    await Promise.all(running.all().map((l) => l.process.next('status', left())));
    const final: Record<string, ValidatorStatus> = {};
    for (const l of running.all()) if (l.process.status) final[l.process.name] = l.process.status;
    const majorityEnd = v0.status!.committedHeight;

    io.say('stopping every validator');
    const exitCodes = Object.fromEntries(await running.stopAll());
    cluster = undefined;
    const failed = Object.entries(exitCodes).filter(([, code]) => code !== 0);
    if (failed.length > 0) {
      throw new ExampleError(
        'example.process-failed',
        `validators did not stop cleanly: ${failed.map(([v, c]) => `${v} exit code ${c}`).join(', ')}`,
      );
    }
    return {
      history,
      cutOff: `v${CUT}`,
      partition: {
        seconds: partitionSeconds,
        majorityFrom,
        majorityTo: healAt.committedHeight,
        cutOffFrom: cutFrom,
        cutOffTo: cutTo,
      },
      detectSeconds,
      pausedAtHeight: pause.height,
      sync,
      topUps: syncs.slice(1),
      resumedAtHeight: resumedAt,
      votes,
      majorityEnd,
      final,
      exitCodes,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    io.view.stop();
    if (cluster) await cluster.stopAll();
    await dirs.close();
  }
}

/** The closing summary, from the measured result. */
export function partitionSummary(r: PartitionRecoveryResult): string[] {
  const p = r.partition;
  const s = r.sync;
  const codes = Object.values(r.exitCodes);
  const rows: [string, string][] = [
    ['history', `${n(r.history.tipHeight)} generated blocks, ${r.history.chain.validators} validators`],
    [
      'partition',
      `${r.cutOff} cut off for ${p.seconds.toFixed(1)} s at height ${n(p.cutOffFrom)}; the other three committed ${n(p.majorityTo - p.majorityFrom)} blocks meanwhile (${n(p.majorityFrom)} → ${n(p.majorityTo)}), ${r.cutOff} stayed at ${n(p.cutOffTo)}`,
    ],
    [
      'detection',
      `${r.cutOff}'s coordinator paused it ${r.detectSeconds.toFixed(1)} s after the heal, at height ${n(r.pausedAtHeight)}`,
    ],
    [
      'catch-up',
      `${n(s.blocks)} blocks in ${s.seconds.toFixed(1)} s = ${n(s.blocksPerSec)} blocks/s (${s.strategy}: ${[...new Set(s.decisions.map((d) => d.choice))].join(' → ')}${s.servingPeers > 0 ? `, ranges from ${s.servingPeers} peers` : ''}); ${s.penalized} penalized, ${s.banned} banned`,
    ],
    ...r.topUps.map((t): [string, string] => [
      'top-up',
      `${n(t.blocks)} more blocks in ${t.seconds.toFixed(1)} s right after resuming`,
    ]),
    [
      'rejoined',
      `resumed at ${n(r.resumedAtHeight)}; its signature is in the QCs of ${r.votes.qcs} blocks v0 committed since (heights ${n(r.votes.firstHeight)} to ${n(r.votes.lastHeight)})`,
    ],
    [
      'still committing',
      `v0 went from ${n(r.resumedAtHeight)} to ${n(r.majorityEnd)} after the resume; final heights ${Object.entries(
        r.final,
      )
        .map(([k, v]) => `${k} ${n(v.committedHeight)}`)
        .join(' · ')}`,
    ],
    ['shutdown', `${codes.length} processes stopped, exit codes ${[...new Set(codes)].join(', ')}`],
    ['total', `${r.seconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['', 'summary', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}
