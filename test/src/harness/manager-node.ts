import {
  createSyncManager,
  type DefaultSyncManager,
  parseSyncConfig,
  type SyncConfigInput,
  type SyncOutcome,
  type SyncStrategy,
} from '@hotsync/core';
import { createPeerManager, type DefaultPeerManager } from '@hotsync/peers';
import type { SimSyncNode, SyncNodeFactory } from '@hotsync/simnet';

export interface ManagerNode extends SimSyncNode {
  readonly manager: DefaultSyncManager;
  readonly peers: DefaultPeerManager;
  /** Resolves with how the node's first `start()` ended. */
  readonly outcome: Promise<SyncOutcome>;
}

export interface ManagerNodeOptions {
  /** Fresh strategy instances for each node. */
  readonly strategies: () => readonly SyncStrategy[];
  readonly config?: SyncConfigInput;
  /** Called with each node as it is built (to keep a handle on its manager). */
  readonly onNode?: (id: string, node: ManagerNode) => void;
}

/** A simnet syncing node running the real DefaultSyncManager and PeerManager. */
export function managerNode(options: ManagerNodeOptions): SyncNodeFactory {
  return (ctx) => {
    const config = parseSyncConfig(options.config ?? {});
    const peers = createPeerManager({ config, clock: ctx.clock, random: ctx.random, store: ctx.store });
    const manager = createSyncManager({
      config: options.config ?? {},
      anchor: ctx.anchor,
      store: ctx.store,
      stateMachine: ctx.stateMachine,
      verifier: ctx.verifier,
      peers,
      network: ctx.network,
      strategies: options.strategies(),
      clock: ctx.clock,
      random: ctx.random,
    });
    let resolveOutcome!: (o: SyncOutcome) => void;
    const outcome = new Promise<SyncOutcome>((resolve) => {
      resolveOutcome = resolve;
    });
    const node: ManagerNode = {
      manager,
      peers,
      outcome,
      start: () => {
        peers.start();
        void manager.start().then(resolveOutcome);
      },
      stop: async () => {
        await manager.stop();
        await peers.stop();
      },
      peerEvents: peers,
    };
    options.onNode?.(ctx.id, node);
    return node;
  };
}
