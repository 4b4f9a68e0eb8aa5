/**
 * `pnpm bench [--quick] [--out <dir>] [--cache <dir>]`: hotsync's strategies, two baselines
 * and this machine's physical limits, measured side by side in one run (bench/README.md).
 * This process only orchestrates: every server, syncing node and probe is a child process.
 * Benchmarks report figures; they never fail on a number. The exit code is 1 only when
 * something could not be measured (a sync failed, a process died or timed out).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, USAGE } from './cli.js';
import { BenchError } from './errors.js';
import { avgBlockBytes } from './ipc/chain-meta.js';
import type { RowName, SyncResult } from './ipc/tasks.js';
import { type CachedChain, ensureChain } from './orchestrator/cache.js';
import { Children, runChild } from './orchestrator/children.js';
import { dataDir, type RunContext } from './orchestrator/context.js';
import { measureLimits } from './orchestrator/limits.js';
import { ROW_PLANS, runRows } from './orchestrator/rows.js';
import { measureFastSync, measureMemory, measureWan } from './orchestrator/sections.js';
import { startServers } from './orchestrator/servers.js';
import { measureTipFollow } from './orchestrator/tip-follow.js';
import { FULL_PROFILE, QUICK_PROFILE } from './profile.js';
import {
  fastFigures,
  limitFigures,
  memoryFigures,
  rowFigures,
  tipFollowFigures,
  wanFigures,
} from './report/figures.js';
import type { BenchResults, RowFigures } from './report/schema.js';
import { writeResults } from './report/write.js';

const GENERATION_TIMEOUT_MS = 40 * 60_000;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  const profile = args.quick ? QUICK_PROFILE : FULL_PROFILE;
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const loadAverageStart = loadavg();
  const log = (line: string) =>
    console.log(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const children = new Children();
  const runDir = await mkdtemp(join(tmpdir(), 'hotsync-bench-'));
  const ctx: RunContext = { profile, children, runDir, log };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping every child process`);
    void children.killAll(1_000).finally(() => {
      rmSync(runDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const failures: { part: string; error: string }[] = [];
  const attempt = async <T>(part: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      failures.push({ part, error });
      log(`${part}: FAILED: ${error}`);
      return null;
    }
  };

  try {
    log(
      `${profile.quick ? 'quick' : 'full'} run; results to ${args.outDir}, chain cache in ${args.cacheDir}`,
    );
    const chain = (p: typeof profile.main): Promise<CachedChain> =>
      ensureChain(children, args.cacheDir, p, { timeoutMs: GENERATION_TIMEOUT_MS, log });
    // Every chain first, so no generation runs beside a measurement.
    const main = await chain(profile.main);
    const snapshotChain = await attempt('fast sync chain', () => chain(profile.snapshot));
    const memoryChain = profile.memory ? await attempt('memory chain', () => chain(profile.memory!)) : null;
    const meta = main.meta;
    log(
      `main chain: ${meta.tipHeight.toLocaleString('en-US')} blocks, ${avgBlockBytes(meta).toFixed(0)} B per block`,
    );

    log('physical limits');
    const measured = await attempt('limits', () => measureLimits(ctx, meta));

    const servers = await startServers(children, meta, profile.servers, log);
    log(`${servers.addresses.length} servers up`);
    let limits: BenchResults['limits'] = null;
    const rows: RowFigures[] = [];
    const results = new Map<RowName, SyncResult>();
    try {
      const raw = await attempt('libp2p transfer limit', () =>
        runChild<'raw-transfer'>(
          children,
          {
            role: 'raw-transfer',
            meta,
            servers: servers.addresses,
            repetitions: profile.limits.repetitions,
            bytes: profile.limits.transferMB * 1e6,
            dataDir: dataDir(ctx, 'raw'),
          },
          { label: 'limit libp2p', timeoutMs: 5 * 60_000, log },
        ),
      );
      limits = measured && raw ? limitFigures(measured, raw, meta) : null;
      await runRows(ctx, meta, servers.addresses, (name, result) => {
        if (result instanceof Error) {
          failures.push({ part: `row ${name}`, error: result.message });
          log(`row ${name}: FAILED: ${result.message}`);
          return;
        }
        results.set(name, result);
        const figures = rowFigures(ROW_PLANS[name], result, limits);
        rows.push(figures);
        if (!figures.ok)
          failures.push({
            part: `row ${name}`,
            error: `ended ${result.outcome} at ${result.endHeight}, not on the source's tip`,
          });
        log(
          `row ${name}: ${figures.blocks} blocks in ${figures.seconds.toFixed(1)} s = ${figures.blocksPerSec.toFixed(0)} blocks/s`,
        );
      });
    } finally {
      const served = await servers.stop();
      const throttled = served.reduce((n, s) => n + s.rateLimited, 0);
      if (throttled > 0) log(`note: servers answered ${throttled} requests rate-limited`);
    }

    log('tip-follow latency');
    const tip = await attempt('tip-follow', () => measureTipFollow(ctx, meta));

    log('fast sync');
    const fastRun = snapshotChain
      ? await attempt('fast sync', () => measureFastSync(ctx, snapshotChain.meta))
      : null;
    if (fastRun && !fastRun.ok)
      failures.push({ part: 'fast sync', error: `ended ${fastRun.outcome}, not on the source's tip` });

    log('WAN profile (simnet)');
    const wanRun = await attempt('wan', () => measureWan(ctx, meta));
    const wan = wanRun?.runs.every((r) => r.ok) ? wanFigures(wanRun, profile) : null;
    if (wanRun && !wan) failures.push({ part: 'wan', error: 'a simulated sync did not reach the tip' });

    let memory: BenchResults['memory'] = null;
    if (memoryChain) {
      log('memory: syncing the long chain');
      const run = await attempt('memory', () => measureMemory(ctx, memoryChain.meta));
      if (run) memory = memoryFigures(run, memoryChain.meta, 'memory-chain');
      if (run && !run.ok)
        failures.push({ part: 'memory', error: `ended ${run.outcome}, not on the source's tip` });
    } else if (!profile.memory) {
      const stand = results.get('parallel-anchored');
      if (stand) memory = memoryFigures(stand, meta, 'parallel-anchored-row');
    }

    const report: BenchResults = {
      schemaVersion: 1,
      quick: profile.quick,
      startedAt,
      durationSeconds: (performance.now() - began) / 1000,
      machine: {
        cores: availableParallelism(),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        memoryGB: totalmem() / 2 ** 30,
        loadAverageStart,
        loadAverageEnd: loadavg(),
      },
      chain: {
        blocks: meta.tipHeight,
        avgBlockBytes: avgBlockBytes(meta),
        validators: meta.params.validators,
        transactionsPerBlock: meta.params.transactionsPerBlock,
        stateDepth: meta.params.stateDepth,
        servers: profile.servers,
        generatedInThisRunSeconds: main.generated ? meta.generatedSeconds : null,
      },
      limits,
      rows,
      fastSync: fastRun && snapshotChain ? fastFigures(fastRun, snapshotChain.meta, limits) : null,
      tipFollow: tip ? tipFollowFigures(tip, profile) : null,
      wan,
      memory,
      failures,
    };
    const files = await writeResults(args.outDir, report);
    log(`wrote ${files.json}, ${files.markdown}, ${files.svg}`);
    if (failures.length > 0)
      log(`${failures.length} part(s) could not be measured: ${failures.map((f) => f.part).join(', ')}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await children.killAll();
    children.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A wrong flag needs its message and the usage, not a stack trace.
    const usage = err instanceof BenchError && err.code === 'bench.invalid-argument';
    console.error(usage ? err.message : err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = usage ? 2 : 1;
  },
);
