import type { StrategyDecision } from '@hotsync/example-libp2p-validator';
import type { LocalNetworkDemoResult } from './demo.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** `parallel (from 0) → incremental (from 20,033)`: each change of choice, in order. */
export function describeDecisions(decisions: readonly StrategyDecision[]): string {
  const steps: StrategyDecision[] = [];
  for (const d of decisions) if (steps.at(-1)?.choice !== d.choice) steps.push(d);
  return steps.map((d) => `${d.choice} (from ${n(d.atHeight)})`).join(' → ') || 'none';
}

/** The closing summary: every figure comes from the result, which the processes measured. */
export function summaryLines(r: LocalNetworkDemoResult): string[] {
  const s = r.sync;
  const late = r.lateValidator;
  const heights = Object.entries(r.final)
    .map(([name, status]) => `${name} ${n(status.committedHeight)}`)
    .join(' · ');
  const codes = Object.values(r.exitCodes);
  const rows: [string, string][] = [
    [
      'history',
      `${n(r.history.tipHeight)} generated blocks, ${r.history.chain.validators} validators (${
        r.history.generated ? `generated in ${r.history.seconds.toFixed(1)} s` : 'from the cache'
      }); ${n(r.liveBlocksBeforeJoin)} live blocks on top before ${late} started`,
    ],
    [
      'late validator',
      `${late} started from genesis ${n(r.heightAtJoin)} blocks behind; paused at ${n(r.pausedAtHeight)}, resumed at ${n(r.resumedAtHeight)}`,
    ],
    [
      'strategy',
      `${s.strategy}: ${describeDecisions(s.decisions)}; ${s.runs} sync run${s.runs === 1 ? '' : 's'}`,
    ],
    ['phases', s.phases.join(' → ')],
    [
      'blocks',
      `${n(s.blocks)} in ${s.seconds.toFixed(1)} s = ${n(s.blocksPerSec)} blocks/s (pause to resume, measured by ${late})`,
    ],
    ...r.topUps.map((t, i): [string, string] => [
      i === 0 ? 'top-up' : '',
      `${n(t.blocks)} blocks in ${t.seconds.toFixed(1)} s (${describeDecisions(t.decisions)}): the network moved on while ${late} delivered, so it paused once more right after resuming`,
    ]),
    [
      'peers',
      `${s.servingPeers} served ranges, ${s.peersAtEnd} connected at the end; ${s.penalized} penalized, ${s.banned} banned`,
    ],
    [
      'votes',
      `${late}'s signature is in the QCs of ${r.votes.qcs} blocks v0 committed after it resumed at ${n(r.lastResumedAtHeight)} (heights ${n(r.votes.firstHeight)} to ${n(r.votes.lastHeight)})`,
    ],
    ['network', `committed heights ${heights}`],
    ['shutdown', `${codes.length} processes stopped, exit codes ${[...new Set(codes)].join(', ')}`],
    ['data', r.kept ? `kept in ${r.dataDir}` : `temporary directory removed`],
    ['total', `${r.seconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['', 'summary', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}
