import type { Counter, Gauge, Metrics } from '@hotsync/core';
import { CHECK_FAMILIES, VERIFICATION_CHECKS } from './penalties.js';

/** Mutually exclusive states of a peer, as `hotsync_peers{state}` counts them. */
export type PeerMetricState = 'active' | 'standby' | 'resting' | 'disconnecting' | 'banned';

export const PEER_METRIC_STATES: readonly PeerMetricState[] = [
  'active',
  'standby',
  'resting',
  'disconnecting',
  'banned',
];

/** What the gauges read when scraped. */
export interface PeerGaugeSource {
  /** Peers by state now (connected ones by standing, plus bans in force). */
  countByState(): Readonly<Record<PeerMetricState, number>>;
  /** Scores of the connected peers now (they decay with time). */
  connectedScores(): readonly number[];
}

export interface PeerMetricHandles {
  readonly penalties: Counter;
  readonly suspended: Counter;
  readonly bans: Counter;
  readonly connected: Gauge;
  readonly active: Gauge;
  readonly banned: Gauge;
  readonly circuitOpen: Gauge;
}

const KNOWN_CHECKS: ReadonlySet<string> = new Set(VERIFICATION_CHECKS);
const KNOWN_FAMILIES: ReadonlySet<string> = new Set(CHECK_FAMILIES);

/**
 * The `reason` label of a penalty for data that failed `check`: core's checks by name, a
 * custom ChainSpec's checks by family, anything else `other`, so a peer (or a custom check
 * naming scheme) cannot grow the number of series.
 */
export function invalidDataReason(check: string): string {
  if (KNOWN_CHECKS.has(check)) return `invalid-data:${check}`;
  const family = check.split('.', 1)[0] ?? '';
  return KNOWN_FAMILIES.has(family) ? `invalid-data:${family}.other` : 'invalid-data:other';
}

/** The peer manager's metrics; the state and score gauges are computed when read. */
export function makePeerMetrics(metrics: Metrics, source: PeerGaugeSource): PeerMetricHandles {
  metrics.gauge({
    name: 'hotsync_peers',
    help: 'Peers by state: active (in the sync set), standby (connected, usable), resting (score below use), disconnecting (score below disconnect), banned (bans in force)',
    labelNames: ['state'],
    collect: (gauge) => {
      const counts = source.countByState();
      for (const state of PEER_METRIC_STATES) gauge.set(counts[state], { state });
    },
  });
  metrics.gauge({
    name: 'hotsync_peer_score',
    help: 'Scores of the connected peers: lowest, median and highest (no per-peer series: peer ids are unbounded)',
    labelNames: ['stat'],
    collect: (gauge) => {
      const scores = [...source.connectedScores()].sort((a, b) => a - b);
      if (scores.length === 0) {
        for (const stat of ['min', 'median', 'max']) gauge.set(Number.NaN, { stat });
        return;
      }
      const mid = scores.length >> 1;
      const median = scores.length % 2 === 1 ? scores[mid]! : (scores[mid - 1]! + scores[mid]!) / 2;
      gauge.set(scores[0]!, { stat: 'min' });
      gauge.set(median, { stat: 'median' });
      gauge.set(scores[scores.length - 1]!, { stat: 'max' });
    },
  });
  return {
    penalties: metrics.counter({
      name: 'hotsync_peer_penalties_total',
      help: 'Penalties applied to peers, by level and reason (request:<failure> or invalid-data:<check>)',
      labelNames: ['level', 'reason'],
    }),
    suspended: metrics.counter({
      name: 'hotsync_peer_penalties_suspended_total',
      help: 'Timeouts and disconnects not penalized because we were overloaded or the circuit breaker was open',
      labelNames: ['cause'],
    }),
    bans: metrics.counter({
      name: 'hotsync_peer_bans_total',
      help: 'Peers banned, by reason (the penalty that crossed the ban threshold, or manual)',
      labelNames: ['reason'],
    }),
    connected: metrics.gauge({ name: 'hotsync_peers_connected', help: 'Peers connected' }),
    active: metrics.gauge({ name: 'hotsync_peers_active', help: 'Peers in the active sync set' }),
    banned: metrics.gauge({ name: 'hotsync_peers_banned', help: 'Bans in force' }),
    circuitOpen: metrics.gauge({
      name: 'hotsync_peers_circuit_open',
      help: '1 while most peers fail at once and liveness penalties are suspended',
    }),
  };
}
