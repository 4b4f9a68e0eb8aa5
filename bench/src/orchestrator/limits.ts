import type { ChainMeta } from '../ipc/chain-meta.js';
import type {
  CryptoLimitResult,
  DecodeLimitResult,
  LmdbLimitResult,
  StateLimitResult,
} from '../ipc/tasks.js';
import { runChild } from './children.js';
import { dataDir, type RunContext } from './context.js';

export interface MeasuredLimits {
  readonly crypto: CryptoLimitResult;
  readonly lmdb: LmdbLimitResult;
  readonly decode: DecodeLimitResult;
  readonly state: StateLimitResult;
}

const PROBE_TIMEOUT_MS = 5 * 60_000;

/**
 * The machine's limits, each probe in a fresh child process of its own, one after another
 * (none competes with another, and none inherits another's heap or JIT state).
 */
export async function measureLimits(ctx: RunContext, meta: ChainMeta): Promise<MeasuredLimits> {
  const { limits } = ctx.profile;
  const options = (label: string) => ({ label, timeoutMs: PROBE_TIMEOUT_MS, log: ctx.log });
  const crypto = await runChild<'limit-crypto'>(
    ctx.children,
    { role: 'limit-crypto', meta, seconds: limits.verifySeconds, repetitions: limits.repetitions },
    options('limit ed25519'),
  );
  const lmdb = await runChild<'limit-lmdb'>(
    ctx.children,
    { role: 'limit-lmdb', meta, blocks: limits.lmdbBlocks, dataDir: dataDir(ctx, 'limit-lmdb') },
    options('limit lmdb'),
  );
  const decode = await runChild<'limit-decode'>(
    ctx.children,
    { role: 'limit-decode', meta, blocks: limits.decodeBlocks },
    options('limit decode+hash'),
  );
  const state = await runChild<'limit-state'>(
    ctx.children,
    {
      role: 'limit-state',
      meta,
      blocks: limits.stateBlocks,
      rangeBlocks: limits.stateRangeBlocks,
      dataDir: dataDir(ctx, 'limit-state'),
    },
    options('limit state'),
  );
  return { crypto, lmdb, decode, state };
}
