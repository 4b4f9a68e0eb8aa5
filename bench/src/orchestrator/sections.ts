import type { ChainMeta } from '../ipc/chain-meta.js';
import type { SyncResult, WanResult } from '../ipc/tasks.js';
import { runChild } from './children.js';
import type { RunContext } from './context.js';
import { runSync } from './rows.js';
import { startServers } from './servers.js';

/** Fast sync: the snapshot chain served by its own servers, synced with `fast`. */
export async function measureFastSync(ctx: RunContext, meta: ChainMeta): Promise<SyncResult> {
  const servers = await startServers(ctx.children, meta, ctx.profile.servers, ctx.log);
  try {
    return await runSync(ctx, meta, servers.addresses, { name: 'fast', strategy: 'fast', mode: 'anchored' });
  } finally {
    await servers.stop();
  }
}

/** Memory: the long chain synced with `parallel` (anchored); the syncing process's peak RSS. */
export async function measureMemory(ctx: RunContext, meta: ChainMeta): Promise<SyncResult> {
  const servers = await startServers(ctx.children, meta, ctx.profile.servers, ctx.log);
  try {
    return await runSync(
      ctx,
      meta,
      servers.addresses,
      { name: 'memory', strategy: 'parallel', mode: 'anchored' },
      30 * 60_000,
    );
  } finally {
    await servers.stop();
  }
}

/** The WAN profile (simnet), in a child process of its own. */
export function measureWan(ctx: RunContext, meta: ChainMeta): Promise<WanResult> {
  const { wan } = ctx.profile;
  return runChild<'wan'>(
    ctx.children,
    {
      role: 'wan',
      meta,
      blocks: wan.blocks,
      peers: wan.peers,
      rttMs: wan.rttMs,
      bandwidthBytesPerSec: wan.bandwidthBytesPerSec,
    },
    { label: 'wan (simnet)', timeoutMs: 10 * 60_000, log: ctx.log },
  );
}
