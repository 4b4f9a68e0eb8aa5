import type { ChainMeta } from '../ipc/chain-meta.js';
import { ROW_NAMES, type RowName, type ServerAddress, type SyncPlan, type SyncResult } from '../ipc/tasks.js';
import { runChild } from './children.js';
import { dataDir, type RunContext } from './context.js';

/** What defines each row; everything else is the library's defaults. */
export const ROW_PLANS: Readonly<Record<RowName, SyncPlan>> = {
  'parallel-full': { name: 'parallel-full', strategy: 'parallel', mode: 'full' },
  'parallel-anchored': { name: 'parallel-anchored', strategy: 'parallel', mode: 'anchored' },
  incremental: { name: 'incremental', strategy: 'incremental', mode: 'anchored' },
  'baseline-per-block': {
    name: 'baseline-per-block',
    strategy: 'per-block',
    mode: 'anchored',
    // CometBFT keeps up to 20 requests pending per peer; the peer manager's cap is the knob.
    config: { peers: { maxRequestsPerPeer: 16 } },
  },
  'baseline-single-peer': { name: 'baseline-single-peer', strategy: 'single-peer', mode: 'anchored' },
};

/** One syncing process per row, one after another, against the same servers. */
export async function runRows(
  ctx: RunContext,
  meta: ChainMeta,
  servers: readonly ServerAddress[],
  onRow: (name: RowName, result: SyncResult | Error) => void,
): Promise<void> {
  for (const name of ROW_NAMES) {
    try {
      onRow(name, await runSync(ctx, meta, servers, ROW_PLANS[name]));
    } catch (err) {
      onRow(name, err instanceof Error ? err : new Error(String(err)));
    }
  }
}

export function runSync(
  ctx: RunContext,
  meta: ChainMeta,
  servers: readonly ServerAddress[],
  plan: SyncPlan,
  timeoutMs = ctx.profile.rows.timeoutMs,
): Promise<SyncResult> {
  return runChild<'sync'>(
    ctx.children,
    {
      role: 'sync',
      plan,
      meta,
      servers,
      dataDir: dataDir(ctx, plan.name),
      sampleMs: ctx.profile.rows.sampleMs,
    },
    { label: `sync ${plan.name}`, timeoutMs, log: ctx.log },
  );
}
