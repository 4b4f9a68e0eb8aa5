import { bytesEqual, type SyncConfigInput, type SyncStrategy } from '@hotsync/core';
import { type Behaviour, type LinkSpec, type NodeSpec, runScenario, type SimChain } from '@hotsync/simnet';
import { incrementalStrategy, parallelStrategy } from '@hotsync/strategies';
import { START_AFTER_MS, type StrategyNode, strategyNode, syncDurationMs } from '../harness/strategy-node.js';

/** One row of the Byzantine matrix: a run with 1 honest and N Byzantine peers (or none). */
export interface MatrixRow {
  readonly name: string;
  readonly strategy: 'parallel' | 'incremental';
  readonly byzantine: number;
  readonly synced: boolean;
  /** Stored blocks that are not the honest chain's, byte for byte. */
  readonly invalidStored: number;
  /** Byzantine peers with at least one penalty or a ban. */
  readonly byzantineCaught: number;
  readonly byzantineBanned: number;
  /** Penalty and ban records against the honest peer (must be 0). */
  readonly honestBlamed: number;
  /** Virtual ms from the start of the sync to the phase `synced` (or to the end of the run); wall ms over libp2p. */
  readonly virtualMs: number;
  readonly realMs: number;
  readonly reasons: readonly string[];
  readonly seed: number;
}

export interface MatrixRunOptions {
  readonly chain: SimChain;
  readonly seed: number;
  readonly name: string;
  readonly strategy: 'parallel' | 'incremental';
  /** Behaviours of each Byzantine peer (one list per peer). */
  readonly byzantine: readonly (readonly Behaviour[])[];
  readonly link: Partial<LinkSpec>;
  readonly config?: SyncConfigInput;
  readonly deadlineMs: number;
  /**
   * Virtual ms the run goes on after the node synced, so requests still in flight to
   * Byzantine peers (a discovery probe waiting for a withheld proof) end and are judged.
   */
  readonly settleMs: number;
}

const HONEST = 'honest';

function strategiesFor(name: 'parallel' | 'incremental'): () => SyncStrategy[] {
  return name === 'parallel' ? () => [parallelStrategy()] : () => [incrementalStrategy()];
}

/** Runs one row on simnet with the real SyncManager and PeerManager, and counts what happened. */
export async function runMatrixRow(options: MatrixRunOptions): Promise<MatrixRow> {
  const { chain } = options;
  const byzantineIds = options.byzantine.map((_, i) => `byz${i}`);
  const nodes: NodeSpec[] = [
    { id: HONEST, role: 'serve', chain: 'main' },
    ...options.byzantine.map((behaviours, i) => ({
      id: byzantineIds[i]!,
      role: 'serve' as const,
      chain: 'main',
      behaviours,
    })),
    {
      id: 'me',
      role: 'sync',
      chain: 'main',
      startAtMs: START_AFTER_MS,
      sync: strategyNode({
        strategies: strategiesFor(options.strategy),
        config: { ...options.config, strategy: { default: options.strategy } },
        onNode: (n) => {
          node = n;
        },
      }),
    },
  ];
  let node: StrategyNode | undefined;
  let syncedAtMs: number | undefined;
  const result = await runScenario({
    seed: options.seed,
    chains: { main: chain },
    nodes,
    links: { default: options.link },
    until: {
      deadlineMs: options.deadlineMs,
      condition: (view) => {
        if (syncedAtMs === undefined && node?.manager.status().phase.name === 'synced')
          syncedAtMs = view.elapsedMs;
        return syncedAtMs !== undefined && view.elapsedMs >= syncedAtMs + options.settleMs;
      },
    },
  });
  const me = result.node('me');
  let invalidStored = 0;
  const tip = me.store.tip();
  if (tip) {
    for (const block of me.store.iterateBlocks(0, tip.height)) {
      const honest = chain.store.blockBytes(block.height);
      if (!honest || !bytesEqual(honest, block.bytes)) invalidStored++;
    }
  }
  const { penalties, bans } = result.report;
  const blamed = new Set([...penalties.map((p) => p.peer), ...bans.map((b) => b.peer)]);
  const banned = new Set(bans.map((b) => b.peer));
  return {
    name: options.name,
    strategy: options.strategy,
    byzantine: byzantineIds.length,
    synced: result.report.nodes.me!.atChainTip,
    invalidStored,
    byzantineCaught: byzantineIds.filter((id) => blamed.has(id)).length,
    byzantineBanned: byzantineIds.filter((id) => banned.has(id)).length,
    honestBlamed:
      penalties.filter((p) => p.peer === HONEST).length + bans.filter((b) => b.peer === HONEST).length,
    virtualMs: syncedAtMs === undefined ? result.report.virtualTimeMs : syncDurationMs(node!.manager),
    realMs: Math.round(result.realTimeMs),
    reasons: [...new Set(penalties.map((p) => p.reason))].sort(),
    seed: options.seed,
  };
}

/** The matrix as a fixed-width text table (printed by the test, pasted in the issue note). */
export function formatMatrix(
  rows: readonly MatrixRow[],
  baselineMs: Readonly<Record<string, number>>,
  timeLabel = 'virtual ms',
): string {
  const header = [
    'behaviour',
    'strategy',
    'synced',
    'invalid stored',
    'byz caught',
    'byz banned',
    'honest blamed',
    timeLabel,
    '× honest-only',
    'real ms',
  ];
  const lines = rows.map((r) => [
    r.name,
    r.strategy,
    r.synced ? 'yes' : 'NO',
    String(r.invalidStored),
    `${r.byzantineCaught}/${r.byzantine}`,
    `${r.byzantineBanned}/${r.byzantine}`,
    String(r.honestBlamed),
    String(r.virtualMs),
    (r.virtualMs / baselineMs[r.strategy]!).toFixed(2),
    String(r.realMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}
