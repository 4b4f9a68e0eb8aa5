import { z } from 'zod';

/**
 * The schema of `latest.json` (documented field by field in bench/README.md). The bench
 * checks its own output against it before writing, and the smoke test checks the file.
 * A section that could not be measured is `null` and named in `failures`.
 */

const count = z.number().int().nonnegative();
const figure = z.number().finite();
const positive = z.number().finite().positive();

export const limitNameSchema = z.enum(['crypto', 'transfer', 'state']);

export const rowSchema = z.object({
  name: z.string(),
  /** Did the sync reach the served tip with the source's tip hash and state root? */
  ok: z.boolean(),
  outcome: z.string(),
  strategy: z.string(),
  verificationMode: z.enum(['full', 'anchored']),
  blocks: count,
  seconds: positive,
  blocksPerSec: figure,
  mbPerSec: figure,
  requests: count,
  requestsPer1000Blocks: figure,
  usefulBytes: count,
  bytesReceived: count,
  usefulByteRatio: figure,
  peakRssMB: figure,
  cpuSeconds: figure,
  cpuUserSeconds: figure,
  cpuSystemSeconds: figure,
  coordinationMs: figure,
  coordinationShare: figure,
  /** The physical limit that binds this row's job (the smallest of the relevant bounds). */
  limit: limitNameSchema.nullable(),
  limitBlocksPerSec: figure.nullable(),
  ratioToLimit: figure.nullable(),
  coordinator: z
    .object({
      rangeRequests: count,
      retries: count,
      hedges: count,
      maxInFlight: count,
      rangeSizeCurrent: count,
    })
    .optional(),
  /** [seconds since start, tip height] samples of the syncing process. */
  samples: z.array(z.tuple([figure, count])),
});

export const limitsSchema = z.object({
  verifyPerSecOneCore: positive,
  verifyPerSecAllCores: positive,
  verifyThreads: count,
  libp2pMBps: positive,
  libp2pOneStreamMBps: positive,
  libp2pAllServersMBps: positive,
  lmdbPutsPerSec: positive,
  lmdbMBps: positive,
  lmdbDurablePutsPerSec: positive,
  decodeHashBlocksPerSec: positive,
  decodeHashMBps: positive,
  stateApplyPerBlockRootBlocksPerSec: positive,
  stateApplyPerRangeRootBlocksPerSec: positive,
  stateRangeBlocks: count,
  signaturesPerBlock: positive,
  cryptoBoundBlocksPerSec: positive,
  transferBoundBlocksPerSec: positive,
  stateBoundBlocksPerSec: positive,
  stateBoundPerBlockRootBlocksPerSec: positive,
  serialBoundBlocksPerSec: positive,
});

export const fastSyncSchema = z.object({
  ok: z.boolean(),
  outcome: z.string(),
  keys: count,
  stateBytes: count,
  chunks: count,
  snapshotHeight: count,
  seconds: positive,
  mbPerSec: figure,
  blocksAfterSnapshot: count,
  totalSeconds: positive,
  requests: count,
  usefulByteRatio: figure,
  peakRssMB: figure,
  cpuSeconds: figure,
  coordinationShare: figure,
  limitMBps: positive.nullable(),
  ratioToLimit: figure.nullable(),
});

export const tipFollowSchema = z.object({
  blocks: count,
  intervalMs: positive,
  statusIntervalMs: positive,
  p50Ms: figure,
  p99Ms: figure,
  maxMs: figure,
  syncRuns: count,
});

export const wanSchema = z.object({
  peers: count,
  rttMs: positive,
  linkMBps: positive,
  blocks: count,
  avgBlockBytes: positive,
  parallelOk: z.boolean(),
  incrementalOk: z.boolean(),
  parallelBlocksPerSec: figure,
  incrementalBlocksPerSec: figure,
  linkBoundBlocksPerSec: positive,
  parallelRatioToLinkBound: figure,
  parallelOverIncremental: figure,
  parallelRealSeconds: figure,
  incrementalRealSeconds: figure,
});

export const memorySchema = z.object({
  ok: z.boolean(),
  /** `memory-chain`: the long chain of the full run; `parallel-anchored-row`: the quick run's stand-in. */
  source: z.enum(['memory-chain', 'parallel-anchored-row']),
  blocks: count,
  avgBlockBytes: positive,
  seconds: positive,
  blocksPerSec: figure,
  peakRssMB: figure,
  /** RSS of the syncing process at 10 %, 50 % and 100 % of the blocks. */
  rssMBAt: z.object({ tenth: figure, half: figure, end: figure }),
  /** V8 heap in use at the same points (RSS minus heap: native memory, LMDB's mapped pages). */
  heapUsedMBAt: z.object({ tenth: figure, half: figure, end: figure }),
  /** RSS split: anonymous (what the process holds) and file-backed (LMDB's maps); null off Linux. */
  rssAnonMBAt: z.object({ tenth: figure, half: figure, end: figure }).nullable(),
  rssFileMBAt: z.object({ tenth: figure, half: figure, end: figure }).nullable(),
});

export const benchResultsSchema = z.object({
  schemaVersion: z.literal(1),
  quick: z.boolean(),
  startedAt: z.string(),
  durationSeconds: positive,
  machine: z.object({
    cores: count,
    node: z.string(),
    platform: z.string(),
    cpuModel: z.string(),
    memoryGB: figure,
    loadAverageStart: z.array(figure).length(3),
    loadAverageEnd: z.array(figure).length(3),
  }),
  chain: z.object({
    blocks: count,
    avgBlockBytes: positive,
    validators: count,
    transactionsPerBlock: count,
    stateDepth: count,
    servers: count,
    generatedInThisRunSeconds: figure.nullable(),
  }),
  limits: limitsSchema.nullable(),
  rows: z.array(rowSchema),
  fastSync: fastSyncSchema.nullable(),
  tipFollow: tipFollowSchema.nullable(),
  wan: wanSchema.nullable(),
  memory: memorySchema.nullable(),
  /** What could not be measured, and why (the run then exits with code 1). */
  failures: z.array(z.object({ part: z.string(), error: z.string() })),
});

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type RowFigures = z.infer<typeof rowSchema>;
export type LimitFigures = z.infer<typeof limitsSchema>;
