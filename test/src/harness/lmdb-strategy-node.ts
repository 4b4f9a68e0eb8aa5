import {
  createSyncManager,
  openLmdbChainStore,
  openLmdbStateMachine,
  parseSyncConfig,
  type SyncConfigInput,
  type SyncOutcome,
  type SyncStrategy,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import type { SimSyncNode, SyncNodeContext, SyncNodeFactory } from '@hotsync/simnet';

export interface LmdbStrategyNodeOptions {
  readonly dir: string;
  readonly strategies: () => readonly SyncStrategy[];
  readonly config?: SyncConfigInput;
  /** Called at start with the node's context and a reader of its stored tip height. */
  readonly onStart?: (ctx: SyncNodeContext, tipHeight: () => number) => void;
  readonly onOutcome?: (outcome: SyncOutcome) => void;
}

/**
 * A syncing node whose chain store and state live in LMDB (no fsync) rather than in the
 * simulator's memory: the blocks it stores do not count against the JS heap, so the heap
 * shows what sync itself holds. Every disk write is real work virtual time waits for.
 */
export function lmdbStrategyNode(options: LmdbStrategyNodeOptions): SyncNodeFactory {
  return async (ctx): Promise<SimSyncNode> => {
    const store = await openLmdbChainStore({ path: `${options.dir}/chain`, noSync: true });
    for (const method of ['commitBatch', 'initialize', 'rebase', 'rollbackTo', 'putCommitProof'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
        ctx.realWork(original(...args));
    }
    const stateMachine = await openLmdbStateMachine({
      path: `${options.dir}/state`,
      depth: 10,
      noSync: true,
    });
    for (const method of ['applyBlocks', 'rollbackTo', 'prune'] as const) {
      const original = stateMachine[method].bind(stateMachine) as (...args: unknown[]) => Promise<unknown>;
      (stateMachine as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
        ctx.realWork(original(...args));
    }
    const config = options.config ?? {};
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: ctx.clock,
      random: ctx.random,
      store,
    });
    const manager = createSyncManager({
      config,
      anchor: ctx.anchor,
      anchorBlock: ctx.store.blockBytes(ctx.anchor.height),
      store,
      stateMachine,
      verifier: ctx.verifier,
      peers,
      network: ctx.network,
      strategies: options.strategies(),
      clock: ctx.clock,
      random: ctx.random,
    });
    let stopped = false;
    let finalTip: ReturnType<typeof store.tip>;
    return {
      start: () => {
        options.onStart?.(ctx, () => store.tip()?.height ?? 0);
        peers.start();
        void manager.start().then((o) => options.onOutcome?.(o));
      },
      stop: async () => {
        stopped = true;
        finalTip = store.tip();
        await manager.stop();
        await peers.stop();
        await store.close();
        await stateMachine.close();
      },
      tip: () => (stopped ? finalTip : store.tip()),
      peerEvents: peers,
    };
  };
}
