import type { DefaultSyncManager, SyncConfigInput, SyncOutcome, SyncStrategy } from '@hotsync/core';
import type { DefaultPeerManager } from '@hotsync/peers';
import type { Behaviour, NodeSpec, SyncNodeContext, SyncNodeFactory } from '@hotsync/simnet';
import { managerNode } from './manager-node.js';

/**
 * Virtual ms a syncing node waits before it starts: by then every online peer has
 * connected (one round trip), so the first discovery sees them all and the scenarios'
 * schedules stay comparable. (Peers that connect later are proven and used too:
 * late-peers.test.ts.)
 */
export const START_AFTER_MS = 200;

/** Everything a test may look at of one syncing node. */
export interface StrategyNode {
  readonly id: string;
  readonly context: SyncNodeContext;
  readonly manager: DefaultSyncManager;
  readonly peers: DefaultPeerManager;
  readonly outcome: Promise<SyncOutcome>;
  /** The strategy instances this node's manager runs (to read their statistics). */
  readonly strategies: readonly SyncStrategy[];
}

export interface StrategyNodeOptions {
  readonly strategies: () => readonly SyncStrategy[];
  readonly config?: SyncConfigInput;
  readonly onNode?: (node: StrategyNode) => void;
}

/** A simnet syncing node running the real SyncManager and PeerManager with the given strategies. */
export function strategyNode(options: StrategyNodeOptions): SyncNodeFactory {
  return (context) => {
    const strategies = options.strategies();
    let handles: StrategyNode | undefined;
    const node = managerNode({
      strategies: () => strategies,
      ...(options.config && { config: options.config }),
      onNode: (id, n) => {
        handles = { id, context, manager: n.manager, peers: n.peers, outcome: n.outcome, strategies };
      },
    })(context);
    if (handles) options.onNode?.(handles);
    return node;
  };
}

/** `count` serving nodes of chain `main`, named `${prefix}0`, `${prefix}1`, ... */
export function servers(
  count: number,
  options: { readonly prefix?: string; readonly behaviours?: readonly Behaviour[] } = {},
): NodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${options.prefix ?? 'peer'}${i}`,
    role: 'serve' as const,
    chain: 'main',
    ...(options.behaviours && { behaviours: options.behaviours }),
  }));
}

/** The phases the manager went through, in order. */
export function phaseNames(manager: DefaultSyncManager): string[] {
  return manager.status().history.map((t) => t.to.name);
}

/** Virtual ms from the start of the sync to the phase `synced`. */
export function syncDurationMs(manager: DefaultSyncManager): number {
  const history = manager.status().history;
  const synced = history.find((t) => t.to.name === 'synced');
  if (!synced) throw new Error(`not synced: ${history.map((t) => t.to.name).join(' → ')}`);
  return synced.atMs - history[0]!.atMs;
}
