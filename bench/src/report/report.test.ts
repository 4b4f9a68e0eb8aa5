import { describe, expect, it } from 'vitest';
import type { ChainMeta } from '../ipc/chain-meta.js';
import type { SyncResult } from '../ipc/tasks.js';
import type { MeasuredLimits } from '../orchestrator/limits.js';
import { ROW_PLANS } from '../orchestrator/rows.js';
import { QUICK_PROFILE } from '../profile.js';
import { bindingLimit, limitFigures, memoryFigures, rowFigures, wanFigures } from './figures.js';
import { renderMarkdown } from './markdown.js';
import { type BenchResults, benchResultsSchema } from './schema.js';
import { ratePoints, renderChart } from './svg.js';

// Synthetic inputs: these tests check how figures are derived and rendered, not a machine.
const meta = {
  params: QUICK_PROFILE.main,
  tipHeight: 1_000,
  blockBytes: 1_000 * 1_250,
  signaturesPerBlock: 3.5,
} as ChainMeta;

const measured: MeasuredLimits = {
  crypto: { oneCore: 8_000, allCores: 14_000, threads: 2 },
  lmdb: {
    blocks: 1_000,
    noSyncPutsPerSec: 60_000,
    noSyncMBps: 75,
    durablePutsPerSec: 20_000,
    durableMBps: 25,
  },
  decode: { blocks: 1_000, blocksPerSec: 15_000, mbPerSec: 19 },
  state: { blocks: 1_000, rangeBlocks: 256, perBlockRootBlocksPerSec: 900, perRangeRootBlocksPerSec: 2_000 },
};

function syncResult(seconds: number, overrides: Partial<SyncResult> = {}): SyncResult {
  return {
    outcome: 'synced',
    ok: true,
    startHeight: 0,
    endHeight: 1_000,
    seconds,
    cpuUserSeconds: seconds * 0.8,
    cpuSystemSeconds: seconds * 0.1,
    peakRssMB: 200,
    requests: 20,
    bytesReceived: 1_300_000,
    usefulBytes: 1_250_000,
    coordinationMs: seconds * 10,
    samples: [
      [0, 0, 100, 20, 70, 30],
      [seconds / 2, 500, 150, 40, 100, 50],
      [seconds, 1_000, 180, 50, 110, 70],
    ],
    phases: [],
    ...overrides,
  };
}

describe('limit figures', () => {
  it('derives the block-rate bounds from the probes and the chain', () => {
    const l = limitFigures(measured, { bytes: 1, oneStreamMBps: 30, allServersMBps: 50 }, meta);
    expect(l.cryptoBoundBlocksPerSec).toBeCloseTo(14_000 / 3.5);
    expect(l.transferBoundBlocksPerSec).toBeCloseTo((50e6 / 1_250_000) * 1_000);
    expect(l.stateBoundBlocksPerSec).toBe(2_000);
    expect(l.stateBoundPerBlockRootBlocksPerSec).toBe(900);
    expect(l.serialBoundBlocksPerSec).toBeCloseTo(1 / (1 / 15_000 + 1 / 2_000 + 1 / 60_000));
  });

  it('takes the better libp2p configuration as the transfer limit', () => {
    const l = limitFigures(measured, { bytes: 1, oneStreamMBps: 40, allServersMBps: 25 }, meta);
    expect(l.libp2pMBps).toBe(40);
    expect(l.libp2pAllServersMBps).toBe(25);
    expect(l.libp2pOneStreamMBps).toBe(40);
  });

  it('binds each verification mode by its own smallest bound', () => {
    const l = limitFigures(measured, { bytes: 1, oneStreamMBps: 30, allServersMBps: 50 }, meta);
    expect(bindingLimit(l, 'full')).toEqual({ name: 'state', blocksPerSec: 900 });
    expect(bindingLimit(l, 'anchored')).toEqual({ name: 'state', blocksPerSec: 2_000 });
    const slowCrypto = limitFigures(
      { ...measured, crypto: { oneCore: 1_000, allCores: 2_000, threads: 2 } },
      { bytes: 1, oneStreamMBps: 30, allServersMBps: 50 },
      meta,
    );
    expect(bindingLimit(slowCrypto, 'full').name).toBe('crypto');
    expect(bindingLimit(slowCrypto, 'anchored').name).toBe('state');
  });
});

describe('row figures', () => {
  const limits = limitFigures(measured, { bytes: 1, oneStreamMBps: 30, allServersMBps: 50 }, meta);

  it('computes rates, ratios and shares from what the syncing process reported', () => {
    const row = rowFigures(ROW_PLANS['parallel-anchored'], syncResult(2), limits);
    expect(row.blocks).toBe(1_000);
    expect(row.blocksPerSec).toBe(500);
    expect(row.mbPerSec).toBeCloseTo(1.25 / 2);
    expect(row.requestsPer1000Blocks).toBe(20);
    expect(row.usefulByteRatio).toBeCloseTo(1_250_000 / 1_300_000);
    expect(row.cpuSeconds).toBeCloseTo(1.8);
    expect(row.coordinationShare).toBeCloseTo(0.01);
    expect(row.limit).toBe('state');
    expect(row.ratioToLimit).toBeCloseTo(500 / 2_000);
  });

  it('has no ratio when the limits could not be measured', () => {
    const row = rowFigures(ROW_PLANS['parallel-full'], syncResult(2), null);
    expect(row.limit).toBeNull();
    expect(row.ratioToLimit).toBeNull();
  });
});

describe('memory figures', () => {
  it('reads RSS, heap and the anonymous/file split at 10 %, 50 % and 100 % of the blocks', () => {
    const m = memoryFigures(syncResult(2), meta, 'memory-chain');
    expect(m.peakRssMB).toBe(200);
    expect(m.rssMBAt).toEqual({ tenth: 150, half: 150, end: 180 });
    expect(m.heapUsedMBAt).toEqual({ tenth: 40, half: 40, end: 50 });
    expect(m.rssAnonMBAt).toEqual({ tenth: 100, half: 100, end: 110 });
    expect(m.rssFileMBAt).toEqual({ tenth: 50, half: 50, end: 70 });
  });

  it('has no split where the platform does not report one', () => {
    const m = memoryFigures(
      syncResult(2, {
        samples: [
          [0, 0, 100, 20, -1, -1],
          [2, 1_000, 180, 50, -1, -1],
        ],
      }),
      meta,
      'memory-chain',
    );
    expect(m.rssAnonMBAt).toBeNull();
    expect(m.rssFileMBAt).toBeNull();
  });
});

describe('WAN figures', () => {
  it('compares each strategy with every link full', () => {
    const w = wanFigures(
      {
        blocks: 1_000,
        blockBytes: 1_250_000,
        runs: [
          {
            strategy: 'parallel',
            ok: true,
            blocks: 1_000,
            virtualSeconds: 0.5,
            realSeconds: 1,
            bytesReceived: 1,
          },
          {
            strategy: 'incremental',
            ok: true,
            blocks: 1_000,
            virtualSeconds: 5,
            realSeconds: 1,
            bytesReceived: 1,
          },
        ],
      },
      QUICK_PROFILE,
    );
    expect(w.parallelBlocksPerSec).toBe(2_000);
    expect(w.incrementalBlocksPerSec).toBe(200);
    expect(w.linkBoundBlocksPerSec).toBeCloseTo((8 * 20e6) / 1_250);
    expect(w.parallelOverIncremental).toBeCloseTo(10);
  });
});

describe('rendering', () => {
  const limits = limitFigures(measured, { bytes: 1, oneStreamMBps: 30, allServersMBps: 50 }, meta);
  const rows = [
    rowFigures(ROW_PLANS['parallel-full'], syncResult(3), limits),
    rowFigures(ROW_PLANS['baseline-per-block'], syncResult(10, { ok: false, outcome: 'failed: x' }), limits),
  ];
  const results: BenchResults = {
    schemaVersion: 1,
    quick: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 40,
    machine: {
      cores: 2,
      node: 'v20.20.2',
      platform: 'linux x64',
      cpuModel: 'test',
      memoryGB: 8,
      loadAverageStart: [0.1, 0.1, 0.1],
      loadAverageEnd: [0.2, 0.1, 0.1],
    },
    chain: {
      blocks: 1_000,
      avgBlockBytes: 1_250,
      validators: 4,
      transactionsPerBlock: 8,
      stateDepth: 16,
      servers: 4,
      generatedInThisRunSeconds: null,
    },
    limits,
    rows,
    fastSync: null,
    tipFollow: null,
    wan: null,
    memory: null,
    failures: [{ part: 'fast sync', error: 'servers did not start\nstack' }],
  };

  it('produces results that match their own schema', () => {
    expect(benchResultsSchema.safeParse(results).success).toBe(true);
  });

  it('renders every row, flags an unsynced one and lists what was not measured', () => {
    const md = renderMarkdown(results);
    expect(md).toContain('| parallel-full |');
    expect(md).toContain('| baseline-per-block ⚠ |');
    expect(md).toContain('- **fast sync**: servers did not start');
    expect(md).not.toContain('Other processes were using the CPU');
    const busy = renderMarkdown({ ...results, machine: { ...results.machine, loadAverageEnd: [1.5, 1, 1] } });
    expect(busy).toContain('Other processes were using the CPU');
  });

  it('charts one line per row from windowed rates', () => {
    expect(
      ratePoints([
        [0, 0],
        [0.5, 100],
        [1, 200],
        [2, 200],
      ]),
    ).toEqual([
      [0.5, 200],
      [1, 200],
      [2, 0],
    ]);
    const svg = renderChart(rows, 'a <title> & more');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('a &lt;title&gt; &amp; more');
  });
});
