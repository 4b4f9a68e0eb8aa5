import type { CustomStrategyResult } from './run.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

export function customStrategySummary(r: CustomStrategyResult): string[] {
  const rows: [string, string][] = [
    ['registered', r.registered.join(', ')],
    ['ran', `${r.strategy} (chosen by name: strategy.default)`],
    [
      'outcome',
      r.outcome.kind === 'synced'
        ? `synced to ${n(r.outcome.height)}`
        : `${r.outcome.kind}: ${JSON.stringify(r.outcome)}`,
    ],
    ['phases', r.phases.join(' → ')],
    [
      'speed',
      `${n(r.blocksPerSec)} blocks/s (${r.seconds.toFixed(1)} s, verified, executed and stored in LMDB)`,
    ],
    [
      'ranges',
      `${r.served.length}, per peer: ${Object.entries(r.rangesPerPeer)
        .map(([p, c]) => `…${p} ${c}`)
        .join(', ')}`,
    ],
    [
      'checked',
      `${r.identical ? 'every block equals the source' : 'BLOCKS DIFFER'}; state root ${r.stateRootMatches ? 'matches' : 'DIFFERS'}`,
    ],
    ...(r.metricsPort === undefined
      ? []
      : [
          ['metrics', `http://127.0.0.1:${r.metricsPort}/metrics: ${r.metricsSample.join('; ')}`] as [
            string,
            string,
          ],
        ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['', 'summary', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}
