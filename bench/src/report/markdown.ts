import type { BenchResults, LimitFigures, RowFigures } from './schema.js';

/** `latest.md`: the run as tables, every figure from `latest.json`. */

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const dec = (v: number, d = 1) =>
  v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (v: number) => `${dec(v * 100, 1)} %`;
// Small ratios keep three decimals: a WAN ratio of 0.002 is not 0.00.
const ratio = (v: number | null) => (v === null ? 'n/a' : dec(v, Math.abs(v) < 0.1 ? 3 : 2));

function table(head: readonly string[], rows: readonly (readonly string[])[], align?: string): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (align?.[i] === 'l' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** Load above half the cores at the start or the end means other processes shared the CPU. */
export function busyMachine(r: BenchResults): boolean {
  const { cores, loadAverageStart, loadAverageEnd } = r.machine;
  return Math.max(loadAverageStart[0]!, loadAverageEnd[0]!) > cores * 0.5;
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# hotsync bench: ${r.quick ? 'QUICK run' : 'full run'}`, '');
  if (r.quick) {
    out.push(
      '> **Quick run**: small chains and short probes (a smoke test). Its figures are indicative only; compare full runs.',
      '',
    );
  }
  out.push(
    `Started ${r.startedAt}, took ${dec(r.durationSeconds, 0)} s. Machine: ${m.cores} cores (${m.cpuModel}), ${dec(m.memoryGB, 0)} GB, Node ${m.node} on ${m.platform}. ` +
      `Load average (1/5/15 min) ${m.loadAverageStart.map((v) => dec(v, 2)).join(' / ')} at the start, ${m.loadAverageEnd.map((v) => dec(v, 2)).join(' / ')} at the end.`,
    '',
  );
  if (busyMachine(r)) {
    out.push(
      '> **Other processes were using the CPU during this run** (load average above half the cores): every figure, the limits included, is lower and noisier than on an idle machine.',
      '',
    );
  }
  const c = r.chain;
  out.push(
    `Chain: ${int(c.blocks)} blocks of ${int(c.avgBlockBytes)} B on average (${c.validators} validators, ${c.transactionsPerBlock} key-value transactions per block, state roots checked, tree depth ${c.stateDepth}), ` +
      `served by ${c.servers} libp2p nodes in separate processes on 127.0.0.1; each syncing node runs in its own process` +
      (c.generatedInThisRunSeconds !== null
        ? ` (chain generated in this run: ${dec(c.generatedInThisRunSeconds, 0)} s, cached for the next).`
        : ' (from the chain cache).'),
    '',
  );

  if (r.limits) out.push(...limitsSection(r.limits), '');
  out.push(...rowsSection(r), '');
  out.push('![blocks/s over time](latest.svg)', '');
  if (r.tipFollow) {
    const t = r.tipFollow;
    out.push(
      '## Tip-follow latency',
      '',
      `A producer appends a block every ${t.intervalMs} ms; the follower (\`incremental\`, status polled every ${t.statusIntervalMs} ms) applies it. From the block's availability at the peer to its application on the follower, over ${t.blocks} blocks (${t.syncRuns} sync runs):`,
      '',
      ...table(['p50', 'p99', 'max'], [[`${dec(t.p50Ms)} ms`, `${dec(t.p99Ms)} ms`, `${dec(t.maxMs)} ms`]]),
      '',
    );
  }
  if (r.wan) {
    const w = r.wan;
    out.push(
      '## WAN profile (simnet, virtual time)',
      '',
      `${w.peers} serving peers, ${w.rttMs} ms RTT, ${dec(w.linkMBps, 0)} MB/s per link, ${int(w.blocks)} blocks of ${int(w.avgBlockBytes)} B. Computation takes no virtual time: these are network-bound rates.`,
      '',
      ...table(
        ['', 'blocks/s', 'vs link bound', 'real time'],
        [
          [
            'parallel',
            int(w.parallelBlocksPerSec),
            ratio(w.parallelRatioToLinkBound),
            `${dec(w.parallelRealSeconds)} s`,
          ],
          [
            'incremental',
            int(w.incrementalBlocksPerSec),
            ratio(w.incrementalBlocksPerSec / w.linkBoundBlocksPerSec),
            `${dec(w.incrementalRealSeconds)} s`,
          ],
          ['link bound (all links full)', int(w.linkBoundBlocksPerSec), '1.00', ''],
        ],
        'lrrr',
      ),
      '',
      `parallel / incremental: ${dec(w.parallelOverIncremental, 1)}×.`,
      '',
    );
  }
  if (r.memory) {
    const mem = r.memory;
    out.push(
      '## Memory',
      '',
      `${mem.source === 'memory-chain' ? `Syncing ${int(mem.blocks)} blocks` : `Quick run: the parallel-anchored row (${int(mem.blocks)} blocks) stands in for the 1M-block sync of the full run`} ` +
        `(${int(mem.avgBlockBytes)} B each, \`parallel\`, anchored) in ${dec(mem.seconds, 0)} s (${int(mem.blocksPerSec)} blocks/s): ` +
        `peak RSS ${dec(mem.peakRssMB, 0)} MB; RSS at 10 % / 50 % / 100 % of the blocks: ${dec(mem.rssMBAt.tenth, 0)} / ${dec(mem.rssMBAt.half, 0)} / ${dec(mem.rssMBAt.end, 0)} MB, of which V8 heap in use ${dec(mem.heapUsedMBAt.tenth, 0)} / ${dec(mem.heapUsedMBAt.half, 0)} / ${dec(mem.heapUsedMBAt.end, 0)} MB` +
        (mem.rssAnonMBAt && mem.rssFileMBAt
          ? `; anonymous ${dec(mem.rssAnonMBAt.tenth, 0)} / ${dec(mem.rssAnonMBAt.half, 0)} / ${dec(mem.rssAnonMBAt.end, 0)} MB, file-backed (LMDB's mapped pages, reclaimable) ${dec(mem.rssFileMBAt.tenth, 0)} / ${dec(mem.rssFileMBAt.half, 0)} / ${dec(mem.rssFileMBAt.end, 0)} MB.`
          : '.'),
      '',
    );
  }
  if (r.failures.length > 0) {
    out.push(
      '## Not measured',
      '',
      ...r.failures.map((f) => `- **${f.part}**: ${f.error.split('\n')[0]}`),
      '',
    );
  }
  out.push('How each figure is measured: [bench/README.md](../README.md).', '');
  return out.join('\n');
}

function limitsSection(l: LimitFigures): string[] {
  return [
    '## Physical limits (measured in this run)',
    '',
    ...table(
      ['limit', 'measured', 'as blocks/s'],
      [
        [
          'Ed25519 verify (node:crypto), 1 thread / all cores',
          `${int(l.verifyPerSecOneCore)} / ${int(l.verifyPerSecAllCores)} per s (${l.verifyThreads} threads)`,
          `crypto bound (full mode, ${dec(l.signaturesPerBlock, 2)} signatures per block): **${int(l.cryptoBoundBlocksPerSec)}**`,
        ],
        [
          'raw libp2p streams, one per server at once / one stream',
          `${dec(l.libp2pAllServersMBps, 0)} / ${dec(l.libp2pOneStreamMBps, 0)} MB/s`,
          `transfer bound: **${int(l.transferBoundBlocksPerSec)}**`,
        ],
        [
          'reference state machine alone, root per range / per block',
          `${int(l.stateApplyPerRangeRootBlocksPerSec)} / ${int(l.stateApplyPerBlockRootBlocksPerSec)} blocks/s`,
          `state bound: **${int(l.stateBoundBlocksPerSec)}** (anchored) / **${int(l.stateBoundPerBlockRootBlocksPerSec)}** (full)`,
        ],
        [
          'decode + hash, 1 thread',
          `${int(l.decodeHashBlocksPerSec)} blocks/s (${dec(l.decodeHashMBps, 0)} MB/s)`,
          '',
        ],
        [
          'LMDB batched writes, no fsync / durable',
          `${int(l.lmdbPutsPerSec)} / ${int(l.lmdbDurablePutsPerSec)} puts/s (${dec(l.lmdbMBps, 0)} MB/s)`,
          '',
        ],
        [
          'decode + hash, state (root per range) and write in series on one thread',
          '',
          `serial bound: ${int(l.serialBoundBlocksPerSec)}`,
        ],
      ],
      'lll',
    ),
  ];
}

function rowsSection(r: BenchResults): string[] {
  const row = (x: RowFigures): string[] => [
    `${x.name}${x.ok ? '' : ' ⚠'}`,
    int(x.blocks),
    dec(x.seconds),
    `**${int(x.blocksPerSec)}**`,
    dec(x.mbPerSec),
    int(x.requests),
    dec(x.requestsPer1000Blocks),
    dec(x.usefulByteRatio, 3),
    dec(x.peakRssMB, 0),
    dec(x.cpuSeconds),
    pct(x.coordinationShare),
    x.limit ?? 'n/a',
    ratio(x.ratioToLimit),
  ];
  const rows = r.rows.map(row);
  const f = r.fastSync;
  if (f) {
    rows.push([
      `fast (${int(f.keys)}-key snapshot)${f.ok ? '' : ' ⚠'}`,
      `${int(f.blocksAfterSnapshot)} + snapshot`,
      `${dec(f.seconds)} (${dec(f.totalSeconds)})`,
      '—',
      `**${dec(f.mbPerSec)}**`,
      int(f.requests),
      '—',
      dec(f.usefulByteRatio, 3),
      dec(f.peakRssMB, 0),
      dec(f.cpuSeconds),
      pct(f.coordinationShare),
      'transfer/LMDB MB/s',
      ratio(f.ratioToLimit),
    ]);
  }
  const failed = r.rows.filter((x) => !x.ok).map((x) => x.name);
  return [
    '## Sync: strategies and baselines side by side',
    '',
    ...table(
      [
        'row',
        'blocks',
        's',
        'blocks/s',
        'MB/s',
        'requests',
        'req/1000 blocks',
        'useful/received',
        'peak RSS MB',
        'CPU s',
        'coordination',
        'bound',
        'ratio to bound',
      ],
      rows,
      'l',
    ),
    '',
    'MB/s counts useful bytes (the blocks stored; for `fast`, the snapshot state imported in its phase, total time in brackets). ' +
      'Bound: the smallest relevant physical limit for the row’s verification mode (full: crypto, transfer, state with a root per block; anchored: transfer, state with a root per range).',
    ...(failed.length > 0
      ? ['', `⚠ did not end on the source’s tip and state root: ${failed.join(', ')}.`]
      : []),
  ];
}
