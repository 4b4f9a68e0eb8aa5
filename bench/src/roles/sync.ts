import { createSyncManager, toHex } from '@hotsync/core';
import type { ParallelStrategy } from '@hotsync/strategies';
import { probeCoordinator } from '../instrument/coordinator-probe.js';
import { HeightSampler } from '../instrument/height-sampler.js';
import { SectionClock } from '../instrument/section-clock.js';
import { cpuMark, cpuSince, peakRssMB } from '../instrument/usage.js';
import { anchorOf, genesisOf } from '../ipc/chain-meta.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { SyncResult, SyncTask } from '../ipc/tasks.js';
import { outboundTotals } from '../node/outbound.js';
import { startSyncingNode } from '../node/syncing-node.js';
import { strategyFor } from '../strategies/index.js';

/**
 * The syncing node of one row, in its own process: from genesis to the served chain's tip
 * through the real SyncManager with one strategy, timed from `start()` to its outcome.
 * CPU time and peak RSS are this process's own (all its threads, worker pool included).
 */
export async function sync(task: SyncTask, io: ChildIo): Promise<SyncResult> {
  const { plan, meta } = task;
  const clock = new SectionClock();
  if (plan.strategy === 'parallel' || plan.strategy === 'fast') probeCoordinator(clock);
  const strategy = strategyFor(plan, clock);
  const parts = await startSyncingNode({
    meta,
    servers: task.servers,
    dataDir: task.dataDir,
    clock,
    config: {
      ...plan.config,
      strategy: { ...plan.config?.strategy, default: strategy.name },
      performance: { ...plan.config?.performance, verificationMode: plan.mode },
    },
  });
  try {
    const { store, stateMachine } = parts;
    const manager = createSyncManager({
      config: parts.config,
      anchor: anchorOf(meta),
      anchorBlock: genesisOf(meta).bytes,
      store,
      stateMachine,
      verifier: parts.verifier,
      peers: parts.peers,
      network: parts.network,
      strategies: [strategy],
    });
    const startHeight = store.tip()?.height ?? 0;
    const before = outboundTotals(parts.node);
    const phases: { name: string; atSeconds: number }[] = [];
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    manager.on('phase', (t) => phases.push({ name: t.to.name, atSeconds: seconds() }));
    const sampler = new HeightSampler(() => store.tip()?.height ?? 0, task.sampleMs);
    const cpu = cpuMark();
    sampler.start();
    const outcome = await manager.start();
    const elapsed = seconds();
    const used = cpuSince(cpu);
    sampler.stop();
    io.log(`${plan.name}: ${outcome.kind} in ${elapsed.toFixed(1)} s`);
    await manager.stop();

    const after = outboundTotals(parts.node);
    const tip = store.tip()!;
    const base = store.base() ?? 0;
    let usefulBytes = 0;
    for (const b of store.iterateBlocks(Math.max(base, startHeight) + 1, tip.height))
      usefulBytes += b.bytes.length;
    const snapshotPhase = phases.findIndex((p) => p.name === 'downloading-snapshot');
    const snapshot =
      snapshotPhase >= 0 && meta.snapshot
        ? {
            seconds: (phases[snapshotPhase + 1]?.atSeconds ?? elapsed) - phases[snapshotPhase]!.atSeconds,
            bytes: meta.snapshot.totalBytes,
            chunks: meta.snapshot.chunkCount,
          }
        : undefined;
    if (snapshot) usefulBytes += snapshot.bytes;
    const stats = plan.strategy === 'parallel' ? (strategy as ParallelStrategy).stats() : undefined;
    const ok =
      outcome.kind === 'synced' &&
      tip.height === meta.tipHeight &&
      toHex(tip.hash) === meta.tipHashHex &&
      toHex(stateMachine.root()) === meta.tipStateRootHex;
    return {
      outcome: outcome.kind === 'failed' ? `failed: ${outcome.reason}` : outcome.kind,
      ok,
      startHeight: snapshot ? (store.base() ?? startHeight) : startHeight,
      endHeight: tip.height,
      seconds: elapsed,
      cpuUserSeconds: used.user,
      cpuSystemSeconds: used.system,
      peakRssMB: peakRssMB(),
      requests: after.requests - before.requests,
      bytesReceived: after.bytesReceived - before.bytesReceived,
      usefulBytes,
      coordinationMs: clock.ms('coordination'),
      samples: sampler.samples(),
      phases,
      ...(snapshot && { snapshot }),
      ...(stats && {
        coordinator: {
          rangeRequests: stats.requests,
          retries: stats.retries,
          hedges: stats.hedges,
          maxInFlight: stats.maxInFlight,
          rangeSizeCurrent: stats.rangeSize.current,
        },
      }),
    };
  } finally {
    await parts.close();
  }
}
