import {
  createSyncManager,
  decodeBlock,
  fromHex,
  openLmdbChainStore,
  parseSyncConfig,
  type ValidatorSet,
} from '@hotsync/core';
import type { GeneratedChain } from '@hotsync/core/testing';
import { createPeerManager } from '@hotsync/peers';
import { copyPrefix, type NodeSpec, runScenario, SimChain, type SyncNodeFactory } from '@hotsync/simnet';
import { incrementalStrategy, parallelStrategy } from '@hotsync/strategies';
import { BenchError } from '../errors.js';
import { anchorOf, type ChainMeta } from '../ipc/chain-meta.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { WanResult, WanRun, WanTask } from '../ipc/tasks.js';

/**
 * The WAN profile, in simnet: `peers` serving nodes and one syncing node, every link with
 * `rttMs / 2` of latency each way and `bandwidthBytesPerSec` per direction, the real
 * SyncManager with `parallel`, then with `incremental`. Virtual time is network time only
 * (computation is free in simnet), so these figures show how each strategy uses the links,
 * apart from this machine's CPU.
 */
export async function wan(task: WanTask, io: ChildIo): Promise<WanResult> {
  const chain = await simChainFromCache(task.meta, task.blocks);
  const blocks = chain.tip.height;
  let blockBytes = 0;
  for (const b of chain.store.iterateBlocks(1, blocks)) blockBytes += b.bytes.length;
  const runs: WanRun[] = [];
  for (const strategy of ['parallel', 'incremental'] as const) {
    const times: { started?: number; synced?: number } = {};
    const nodes: NodeSpec[] = [
      ...Array.from(
        { length: task.peers },
        (_, i): NodeSpec => ({ id: `peer-${i}`, role: 'serve', chain: 'main' }),
      ),
      { id: 'me', role: 'sync', chain: 'main', sync: syncNode(strategy, times), startAtMs: 200 },
    ];
    const result = await runScenario({
      seed: 1,
      chains: { main: chain },
      nodes,
      links: {
        default: {
          latency: { baseMs: task.rttMs / 2, jitterMs: 0 },
          bandwidthBytesPerSec: task.bandwidthBytesPerSec,
        },
      },
      until: { deadlineMs: 3_600_000, condition: 'all-synced' },
    });
    const me = result.report.nodes.me!;
    const virtualSeconds = ((times.synced ?? Number.NaN) - (times.started ?? Number.NaN)) / 1000;
    runs.push({
      strategy,
      ok: me.atChainTip,
      blocks,
      virtualSeconds,
      realSeconds: result.realTimeMs / 1000,
      bytesReceived: me.totals.bytesReceived,
    });
    io.log(
      `wan ${strategy}: ${blocks} blocks in ${virtualSeconds.toFixed(2)} virtual s (${(result.realTimeMs / 1000).toFixed(1)} real s)`,
    );
  }
  return { blocks, blockBytes, runs };
}

/** A node running the default SyncManager with one strategy; notes when it started and synced. */
function syncNode(
  strategy: 'parallel' | 'incremental',
  times: { started?: number; synced?: number },
): SyncNodeFactory {
  return (ctx) => {
    const s = strategy === 'parallel' ? parallelStrategy() : incrementalStrategy();
    const config = { strategy: { default: s.name } };
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: ctx.clock,
      random: ctx.random,
      store: ctx.store,
    });
    const manager = createSyncManager({
      config,
      anchor: ctx.anchor,
      store: ctx.store,
      stateMachine: ctx.stateMachine,
      verifier: ctx.verifier,
      peers,
      network: ctx.network,
      strategies: [s],
      clock: ctx.clock,
      random: ctx.random,
    });
    manager.on('synced', () => {
      times.synced ??= ctx.clock.now();
    });
    return {
      start: () => {
        times.started = ctx.clock.now();
        peers.start();
        void manager.start();
      },
      stop: async () => {
        await manager.stop();
        await peers.stop();
      },
      peerEvents: peers,
    };
  };
}

/**
 * The cached main chain as a simnet chain, cut at the last stored commit proof at or below
 * `blocks`: simnet's own `SimChain.generate` would regenerate it in this process (tens of
 * seconds), so the cached store is copied and handed to `SimChain.fromStore`.
 */
async function simChainFromCache(meta: ChainMeta, blocks: number): Promise<SimChain> {
  const cut = [...meta.proofHeights].reverse().find((h) => h <= blocks);
  if (cut === undefined) throw new BenchError('bench.cache', `no commit proof at or below ${blocks}`);
  const source = await openLmdbChainStore({ path: meta.chainPath, noSync: true });
  try {
    const store = await copyPrefix(source, cut);
    const validatorSets: ValidatorSet[] = [];
    for (let e = 0; store.validatorSet(e); e++) validatorSets.push(store.validatorSet(e)!);
    const generated: GeneratedChain = {
      chainId: fromHex(meta.chainIdHex),
      anchor: anchorOf(meta),
      genesis: decodeBlock(store.blockBytes(0)!),
      tip: store.tip()!,
      tipCommitProof: store.commitProof(cut)!,
      validatorSets,
      keys: () => {
        throw new BenchError('bench.cache', 'a cached chain carries no signing keys');
      },
      forks: [],
      snapshots: [],
      proofHeights: meta.proofHeights.filter((h) => h <= cut),
      stats: { blocks: cut, milliseconds: meta.generatedSeconds * 1000, blocksPerSec: 0 },
    };
    return SimChain.fromStore(generated, store, meta.params.stateDepth);
  } finally {
    await source.close();
  }
}
