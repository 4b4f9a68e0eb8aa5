import { type BlockBatch, type ChainStore, createSyncManager, sleep, systemClock } from '@hotsync/core';
import { incrementalStrategy } from '@hotsync/strategies';
import { BenchError } from '../errors.js';
import { SectionClock } from '../instrument/section-clock.js';
import { peakRssMB, wallNowMs } from '../instrument/usage.js';
import { anchorOf, genesisOf } from '../ipc/chain-meta.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { FollowResult, FollowTask } from '../ipc/tasks.js';
import { startSyncingNode } from '../node/syncing-node.js';

/** Without a status showing a new height, look again after this long anyway. */
const FALLBACK_POLL_MS = 1_000;

/**
 * The tip follower: a node that is in sync and stays there. It syncs to the producer's
 * starting height, says ready, then runs the SyncManager (`incremental`, the strategy
 * meant for following the tip) again each time the status exchange (every
 * `statusIntervalMs`) shows the peer ahead. Each stored block's application time is taken
 * when the store's commit of it returns: verified, executed, persisted.
 */
export async function follow(task: FollowTask, io: ChildIo): Promise<FollowResult> {
  const applied: [number, number][] = [];
  const observe = (store: ChainStore): ChainStore =>
    new Proxy(store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property !== 'commitBatch' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (batch: BlockBatch) => {
          await target.commitBatch(batch);
          const at = wallNowMs();
          for (const b of batch.blocks) applied.push([b.height, at]);
        };
      },
    });
  const strategy = incrementalStrategy();
  const parts = await startSyncingNode({
    meta: task.meta,
    servers: [task.producer],
    dataDir: task.dataDir,
    clock: new SectionClock(),
    statusIntervalMs: task.statusIntervalMs,
    config: { strategy: { default: strategy.name } },
    wrapStore: observe,
  });
  try {
    const manager = createSyncManager({
      config: parts.config,
      anchor: anchorOf(task.meta),
      anchorBlock: genesisOf(task.meta).bytes,
      store: parts.store,
      stateMachine: parts.stateMachine,
      verifier: parts.verifier,
      peers: parts.peers,
      network: parts.network,
      strategies: [strategy],
    });
    const height = () => parts.store.tip()?.height ?? 0;
    let peerHeight = 0;
    let wake: (() => void) | undefined;
    parts.network.onPeerEvent((event) => {
      if (event.type !== 'status') return;
      peerHeight = Math.max(peerHeight, event.status.height);
      if (peerHeight > height()) wake?.();
    });
    const first = await manager.start();
    if (first.kind !== 'synced' || height() < task.startHeight) {
      throw new BenchError(
        'bench.sync-failed',
        `the follower did not reach ${task.startHeight} (${first.kind})`,
      );
    }
    io.ready({ height: height() });
    let syncRuns = 0;
    while (height() < task.finalHeight && !io.stop.aborted) {
      if (peerHeight <= height()) {
        await Promise.race([
          new Promise<void>((resolve) => {
            wake = resolve;
          }),
          sleep(systemClock, FALLBACK_POLL_MS),
        ]);
        wake = undefined;
      }
      syncRuns++;
      const outcome = await manager.start();
      if (outcome.kind === 'failed')
        throw new BenchError('bench.sync-failed', `following failed: ${outcome.reason}`);
    }
    await manager.stop();
    return { applied: applied.filter(([h]) => h > task.startHeight), syncRuns, peakRssMB: peakRssMB() };
  } finally {
    await parts.close();
  }
}
