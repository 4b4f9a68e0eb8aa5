import { BenchError } from '../errors.js';
import type { ChainMeta } from '../ipc/chain-meta.js';
import type { FollowResult } from '../ipc/tasks.js';
import { percentile } from '../stats.js';
import { dataDir, type RunContext } from './context.js';

export interface TipFollowMeasured {
  readonly latenciesMs: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly follow: FollowResult;
}

/**
 * Tip-follow latency: a producer process appends blocks to the chain it serves; a follower
 * process, in sync at the start, follows. Per block: from the producer's store write
 * (available at a peer) to the follower's store write (verified, executed, persisted).
 * Both instants are wall-clock readings on this machine.
 */
export async function measureTipFollow(ctx: RunContext, meta: ChainMeta): Promise<TipFollowMeasured> {
  const p = ctx.profile.tipFollow;
  // The served prefix must end on a stored commit proof, or no peer could prove its height.
  const startHeight = [...meta.proofHeights].reverse().find((h) => h <= p.startHeight);
  if (startHeight === undefined)
    throw new BenchError('bench.cache', `no commit proof at or below height ${p.startHeight}`);
  const productionMs = p.blocks * p.intervalMs;
  const producer = ctx.children.start<'produce'>(
    { role: 'produce', meta, startHeight, blocks: p.blocks, intervalMs: p.intervalMs },
    { label: 'producer', timeoutMs: productionMs + 120_000, log: ctx.log },
  );
  try {
    const address = await producer.ready;
    const follower = ctx.children.start<'follow'>(
      {
        role: 'follow',
        meta,
        producer: address,
        dataDir: dataDir(ctx, 'follower'),
        startHeight,
        finalHeight: startHeight + p.blocks,
        statusIntervalMs: p.statusIntervalMs,
      },
      { label: 'follower', timeoutMs: productionMs + 90_000, log: ctx.log },
    );
    await follower.ready;
    producer.signal('go');
    const follow = await follower.result;
    producer.signal('stop');
    const { available } = await producer.result;
    const appliedAt = new Map(follow.applied);
    const latenciesMs = available.flatMap(([h, at]) => {
      const applied = appliedAt.get(h);
      return applied === undefined ? [] : [applied - at];
    });
    return {
      latenciesMs,
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
      maxMs: Math.max(...latenciesMs),
      follow,
    };
  } finally {
    producer.signal('stop');
    await producer.result.catch(() => undefined);
  }
}
