import { avgBlockBytes, type ChainMeta } from '../ipc/chain-meta.js';
import type { RawTransferResult, SyncPlan, SyncResult, WanResult } from '../ipc/tasks.js';
import type { MeasuredLimits } from '../orchestrator/limits.js';
import type { TipFollowMeasured } from '../orchestrator/tip-follow.js';
import type { BenchProfile } from '../profile.js';
import { MB } from '../stats.js';
import type { BenchResults, LimitFigures, RowFigures } from './schema.js';

type LimitName = NonNullable<RowFigures['limit']>;

/**
 * The limits measured in this run, and the block rates they bound:
 * - crypto: every justify QC verified (full mode) on all cores: verifies/s ÷ signatures per block;
 * - transfer: the raw libp2p rate (the better of one stream and one stream per server at
 *   once: on few cores the servers compete with the receiver) ÷ bytes per block;
 * - state: the reference state machine alone, one root per range (anchored) or per block (full);
 * - serial: decode + hash, state (root per range) and the block write one after another on
 *   one thread, which is how a single Node.js main thread would have to do them.
 */
export function limitFigures(m: MeasuredLimits, raw: RawTransferResult, meta: ChainMeta): LimitFigures {
  const bytesPerBlock = avgBlockBytes(meta);
  return {
    verifyPerSecOneCore: m.crypto.oneCore,
    verifyPerSecAllCores: m.crypto.allCores,
    verifyThreads: m.crypto.threads,
    libp2pMBps: Math.max(raw.allServersMBps, raw.oneStreamMBps),
    libp2pAllServersMBps: raw.allServersMBps,
    libp2pOneStreamMBps: raw.oneStreamMBps,
    lmdbPutsPerSec: m.lmdb.noSyncPutsPerSec,
    lmdbMBps: m.lmdb.noSyncMBps,
    lmdbDurablePutsPerSec: m.lmdb.durablePutsPerSec,
    decodeHashBlocksPerSec: m.decode.blocksPerSec,
    decodeHashMBps: m.decode.mbPerSec,
    stateApplyPerBlockRootBlocksPerSec: m.state.perBlockRootBlocksPerSec,
    stateApplyPerRangeRootBlocksPerSec: m.state.perRangeRootBlocksPerSec,
    stateRangeBlocks: m.state.rangeBlocks,
    signaturesPerBlock: meta.signaturesPerBlock,
    cryptoBoundBlocksPerSec: m.crypto.allCores / meta.signaturesPerBlock,
    transferBoundBlocksPerSec: (Math.max(raw.allServersMBps, raw.oneStreamMBps) * MB) / bytesPerBlock,
    stateBoundBlocksPerSec: m.state.perRangeRootBlocksPerSec,
    stateBoundPerBlockRootBlocksPerSec: m.state.perBlockRootBlocksPerSec,
    serialBoundBlocksPerSec:
      1 / (1 / m.decode.blocksPerSec + 1 / m.state.perRangeRootBlocksPerSec + 1 / m.lmdb.noSyncPutsPerSec),
  };
}

/** The bounds that apply to a sync in `mode`, and the one that binds (the smallest). */
export function bindingLimit(
  limits: LimitFigures,
  mode: SyncPlan['mode'],
): { name: LimitName; blocksPerSec: number } {
  const candidates: [LimitName, number][] =
    mode === 'full'
      ? [
          ['crypto', limits.cryptoBoundBlocksPerSec],
          ['transfer', limits.transferBoundBlocksPerSec],
          ['state', limits.stateBoundPerBlockRootBlocksPerSec],
        ]
      : // Anchored checks signatures once per range: a few per thousand blocks, never the bound.
        [
          ['transfer', limits.transferBoundBlocksPerSec],
          ['state', limits.stateBoundBlocksPerSec],
        ];
  const [name, blocksPerSec] = candidates.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { name, blocksPerSec };
}

export function rowFigures(plan: SyncPlan, r: SyncResult, limits: LimitFigures | null): RowFigures {
  const blocks = r.endHeight - r.startHeight;
  const seconds = Math.max(r.seconds, 1e-6);
  const blocksPerSec = blocks / seconds;
  const bound = limits ? bindingLimit(limits, plan.mode) : undefined;
  return {
    name: plan.name,
    ok: r.ok,
    outcome: r.outcome,
    strategy: plan.strategy,
    verificationMode: plan.mode,
    blocks,
    seconds,
    blocksPerSec,
    mbPerSec: r.usefulBytes / MB / seconds,
    requests: r.requests,
    requestsPer1000Blocks: blocks > 0 ? (r.requests * 1000) / blocks : 0,
    usefulBytes: r.usefulBytes,
    bytesReceived: r.bytesReceived,
    usefulByteRatio: r.bytesReceived > 0 ? r.usefulBytes / r.bytesReceived : 0,
    peakRssMB: r.peakRssMB,
    cpuSeconds: r.cpuUserSeconds + r.cpuSystemSeconds,
    cpuUserSeconds: r.cpuUserSeconds,
    cpuSystemSeconds: r.cpuSystemSeconds,
    coordinationMs: r.coordinationMs,
    coordinationShare: r.coordinationMs / (seconds * 1000),
    limit: bound?.name ?? null,
    limitBlocksPerSec: bound?.blocksPerSec ?? null,
    ratioToLimit: bound ? blocksPerSec / bound.blocksPerSec : null,
    ...(r.coordinator && { coordinator: r.coordinator }),
    samples: r.samples.map(([t, h]) => [t, h] as [number, number]),
  };
}

/**
 * Fast sync: the verified import rate of the snapshot (downloading-snapshot phase: chunks
 * fetched from every server, each verified against the certified root, written, the root
 * of the whole checked) against the slower of the raw transfer rate and LMDB's write rate.
 */
export function fastFigures(
  r: SyncResult,
  meta: ChainMeta,
  limits: LimitFigures | null,
): NonNullable<BenchResults['fastSync']> {
  const snapshot = meta.snapshot!;
  const seconds = Math.max(r.snapshot?.seconds ?? r.seconds, 1e-6);
  const mbPerSec = snapshot.totalBytes / MB / seconds;
  const limitMBps = limits ? Math.min(limits.libp2pMBps, limits.lmdbMBps) : null;
  return {
    ok: r.ok && r.snapshot !== undefined,
    outcome: r.snapshot ? r.outcome : `${r.outcome} (no snapshot phase)`,
    keys: snapshot.keys,
    stateBytes: snapshot.totalBytes,
    chunks: snapshot.chunkCount,
    snapshotHeight: snapshot.height,
    seconds,
    mbPerSec,
    blocksAfterSnapshot: r.endHeight - snapshot.height,
    totalSeconds: Math.max(r.seconds, 1e-6),
    requests: r.requests,
    usefulByteRatio: r.bytesReceived > 0 ? r.usefulBytes / r.bytesReceived : 0,
    peakRssMB: r.peakRssMB,
    cpuSeconds: r.cpuUserSeconds + r.cpuSystemSeconds,
    coordinationShare: r.coordinationMs / (Math.max(r.seconds, 1e-6) * 1000),
    limitMBps,
    ratioToLimit: limitMBps ? mbPerSec / limitMBps : null,
  };
}

export function tipFollowFigures(
  t: TipFollowMeasured,
  profile: BenchProfile,
): NonNullable<BenchResults['tipFollow']> {
  return {
    blocks: t.latenciesMs.length,
    intervalMs: profile.tipFollow.intervalMs,
    statusIntervalMs: profile.tipFollow.statusIntervalMs,
    p50Ms: t.p50Ms,
    p99Ms: t.p99Ms,
    maxMs: t.maxMs,
    syncRuns: t.follow.syncRuns,
  };
}

/**
 * WAN: virtual-time rates; the link bound is what the syncing node's links carry together
 * (one link per serving peer, each `bandwidthBytesPerSec` inbound) in blocks of this chain.
 */
export function wanFigures(w: WanResult, profile: BenchProfile): NonNullable<BenchResults['wan']> {
  const p = profile.wan;
  const avg = w.blockBytes / w.blocks;
  const rate = (strategy: 'parallel' | 'incremental') => {
    const run = w.runs.find((r) => r.strategy === strategy);
    return run ? w.blocks / run.virtualSeconds : Number.NaN;
  };
  const linkBound = (p.peers * p.bandwidthBytesPerSec) / avg;
  const parallel = rate('parallel');
  const incremental = rate('incremental');
  const run = (s: 'parallel' | 'incremental') => w.runs.find((r) => r.strategy === s);
  return {
    peers: p.peers,
    rttMs: p.rttMs,
    linkMBps: p.bandwidthBytesPerSec / MB,
    blocks: w.blocks,
    avgBlockBytes: avg,
    parallelOk: run('parallel')?.ok ?? false,
    incrementalOk: run('incremental')?.ok ?? false,
    parallelBlocksPerSec: parallel,
    incrementalBlocksPerSec: incremental,
    linkBoundBlocksPerSec: linkBound,
    parallelRatioToLinkBound: parallel / linkBound,
    parallelOverIncremental: parallel / incremental,
    parallelRealSeconds: run('parallel')?.realSeconds ?? Number.NaN,
    incrementalRealSeconds: run('incremental')?.realSeconds ?? Number.NaN,
  };
}

export function memoryFigures(
  r: SyncResult,
  meta: ChainMeta,
  source: NonNullable<BenchResults['memory']>['source'],
): NonNullable<BenchResults['memory']> {
  const blocks = r.endHeight - r.startHeight;
  const at = (share: number) =>
    r.samples.find(([, h]) => h - r.startHeight >= share * blocks) ?? r.samples[r.samples.length - 1];
  const rssAt = (share: number) => at(share)?.[2] ?? 0;
  const heapAt = (share: number) => at(share)?.[3] ?? 0;
  const split = r.samples.every((x) => x[4] >= 0 && x[5] >= 0);
  const field = (i: 4 | 5) => ({
    tenth: at(0.1)?.[i] ?? 0,
    half: at(0.5)?.[i] ?? 0,
    end: at(1)?.[i] ?? 0,
  });
  return {
    ok: r.ok,
    source,
    blocks,
    avgBlockBytes: avgBlockBytes(meta),
    seconds: Math.max(r.seconds, 1e-6),
    blocksPerSec: blocks / Math.max(r.seconds, 1e-6),
    peakRssMB: r.peakRssMB,
    rssMBAt: { tenth: rssAt(0.1), half: rssAt(0.5), end: rssAt(1) },
    heapUsedMBAt: { tenth: heapAt(0.1), half: heapAt(0.5), end: heapAt(1) },
    rssAnonMBAt: split ? field(4) : null,
    rssFileMBAt: split ? field(5) : null,
  };
}
