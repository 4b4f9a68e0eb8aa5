import { type ConsensusEngine, type SafetyData, SyncCoordinator } from '@hotsync/consensus-adapter';
import {
  type Block,
  createSyncManager,
  parseSyncConfig,
  SeededRandom,
  type SyncConfigInput,
  systemClock,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import { HOTSYNC_METRICS, PrometheusMetrics, serveMetrics } from '@hotsync/prometheus';
import { invalidSignatures, SimChain } from '@hotsync/simnet';
import { parallelStrategy } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { behaveAs, genesisStore, Libp2pNodes, untilConnected } from '../fixtures/libp2p-nodes.js';
import { type Exposition, parseExposition, select, total } from './exposition.js';

/** An engine that only follows: it commits what the coordinator hands it, in order. */
class FollowerEngine implements ConsensusEngine {
  height = 0;
  readonly resumes: number[] = [];
  pause(): void {}
  resume(fromHeight: number): void {
    this.resumes.push(fromHeight);
  }
  committedHeight(): number {
    return this.height;
  }
  deliverCommitted(blocks: readonly Block[]): void {
    for (const b of blocks) this.height = b.header.height;
  }
  safetyData(): SafetyData {
    return { lastVotedView: 0 };
  }
}

const BLOCKS = 1_200;
const CONFIG: SyncConfigInput = {
  strategy: { default: 'parallel', maxBehindBlocks: 32 },
  peers: { peerTimeoutMs: 3_000, firstByteTimeoutMs: 1_000 },
  checkpoints: { intervalBlocks: 200 },
};

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('metrics of a running sync, read from a prom-client registry and /metrics', () => {
  let chain: SimChain;
  const nodes = new Libp2pNodes();
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 21, blocks: BLOCKS, epochLength: 500, transactionsPerBlock: 2 });
  }, 60_000);
  afterEach(() => nodes.stopAll());

  it('a coordinator-driven libp2p sync with a forging peer records every metric of the catalog', async () => {
    const chainId = chain.chainId;
    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    try {
      const honest = [
        await nodes.start({ chainId, store: chain.store, config: CONFIG, seed: 2 }),
        await nodes.start({ chainId, store: chain.store, config: CONFIG, seed: 3 }),
      ];
      const forger = await nodes.start({ chainId, store: chain.store, config: CONFIG, seed: 4 });
      await behaveAs(forger, chain, [invalidSignatures({ fromHeight: 300 })], 7);

      // The syncing node: every component writes into one registry the user passed in.
      const registry = new Registry();
      const metrics = new PrometheusMetrics(registry);
      const store = await genesisStore(chain);
      const peers = createPeerManager({
        config: parseSyncConfig(CONFIG),
        clock: systemClock,
        random: new SeededRandom(5),
        store,
        metrics,
      });
      const me = await nodes.start({ chainId, store, peers, config: CONFIG, metrics });
      for (const server of [...honest, forger]) await me.dial(server.multiaddrs()[0]!);
      await untilConnected(
        me,
        [...honest, forger].map((n) => n.peerId),
      );

      const manager = createSyncManager({
        config: CONFIG,
        anchor: chain.generated.anchor,
        store,
        stateMachine: chain.createStateMachine(),
        verifier,
        peers,
        network: me.sync,
        strategies: [parallelStrategy()],
        clock: systemClock,
        random: new SeededRandom(6),
        metrics,
      });
      const engine = new FollowerEngine();
      const coordinator = new SyncCoordinator({
        engine,
        manager,
        peers,
        store,
        network: me.sync,
        config: CONFIG,
        checkIntervalMs: 500,
        clock: systemClock,
        metrics,
      });
      const started = performance.now();
      peers.start();
      coordinator.start();
      try {
        await until(() => engine.resumes.length > 0, 25_000, 'the coordinator resumed the engine');
      } finally {
        await coordinator.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      expect(engine.height).toBe(BLOCKS);

      // What Prometheus would scrape: the same text over HTTP as from the registry.
      const server = await serveMetrics(registry, { port: 0 });
      let text: string;
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
        expect(res.status).toBe(200);
        text = await res.text();
      } finally {
        await server.close();
      }
      const m = parseExposition(text);
      console.log(
        `metrics test: ${BLOCKS} blocks over libp2p in ${seconds.toFixed(1)} s; ${m.samples.filter((s) => s.name.startsWith('hotsync_')).length} hotsync samples in ${text.length} bytes of /metrics`,
      );

      checkCatalog(m);
      checkValues(m, forger.peerId);
      await peers.stop();
    } finally {
      await verifier.close();
    }
  }, 60_000);
});

/** Counters of what a healthy run need not see: declared (TYPE present), without samples yet. */
const ONLY_ON_TROUBLE = new Set(['hotsync_sync_failures_total', 'hotsync_peer_penalties_suspended_total']);

/** The catalog (and so the README table) and the registry agree both ways, in names, types and labels. */
function checkCatalog(m: Exposition): void {
  const documented = new Map(HOTSYNC_METRICS.map((e) => [e.name, e]));
  const recorded = [...m.types.keys()].filter((n) => n.startsWith('hotsync_'));
  expect(
    recorded.filter((n) => !documented.has(n)),
    'recorded but not in the catalog',
  ).toEqual([]);
  const empty: string[] = [];
  for (const entry of HOTSYNC_METRICS) {
    expect(m.types.get(entry.name), `${entry.name} recorded`).toBe(entry.type);
    const series = entry.type === 'histogram' ? `${entry.name}_count` : entry.name;
    const samples = select(m, series);
    if (samples.length === 0) empty.push(entry.name);
    for (const s of samples)
      expect(Object.keys(s.labels).sort(), entry.name).toEqual([...entry.labels].sort());
  }
  expect(empty, 'metrics without samples').toEqual([...ONLY_ON_TROUBLE]);
}

/** Each metric the issue names has samples that say the sync really happened. */
function checkValues(m: Exposition, forger: string): void {
  const value = (name: string, labels: Record<string, string> = {}) => total(m, name, labels);
  // Heights, rate and phase.
  expect(value('hotsync_current_height')).toBe(BLOCKS);
  expect(value('hotsync_target_height')).toBeGreaterThanOrEqual(BLOCKS);
  expect(value('hotsync_blocks_per_second')).toBeGreaterThan(0);
  expect(value('hotsync_phase', { phase: 'synced' })).toBe(1);
  expect(value('hotsync_phase')).toBe(1);
  expect(value('hotsync_phase_transitions_total', { to: 'downloading-blocks' })).toBeGreaterThan(0);
  expect(value('hotsync_blocks_applied_total')).toBe(BLOCKS);
  expect(value('hotsync_block_bytes_stored_total')).toBeGreaterThan(BLOCKS * 100);
  expect(value('hotsync_checkpoint_writes_total')).toBeGreaterThanOrEqual(BLOCKS / 200 - 1);
  // Verification and apply time histograms: the forger's ranges failed verification.
  expect(value('hotsync_verification_seconds_count', { kind: 'range', result: 'ok' })).toBeGreaterThan(0);
  expect(value('hotsync_verification_seconds_count', { kind: 'commit_proof', result: 'ok' })).toBeGreaterThan(
    0,
  );
  expect(value('hotsync_verification_seconds_count', { result: 'invalid' })).toBeGreaterThan(0);
  expect(value('hotsync_verification_seconds_sum')).toBeGreaterThan(0);
  expect(value('hotsync_apply_seconds_count')).toBeGreaterThan(0);
  expect(value('hotsync_apply_seconds_bucket', { le: '+Inf' })).toBe(value('hotsync_apply_seconds_count'));
  // Peers by state, scores, penalties and bans by reason: the forger was caught and banned.
  expect(value('hotsync_peers', { state: 'banned' })).toBe(1);
  expect(value('hotsync_peers', { state: 'active' })).toBeGreaterThanOrEqual(1);
  expect(value('hotsync_peers_banned')).toBe(1);
  const [min, median, max] = ['min', 'median', 'max'].map((stat) => value('hotsync_peer_score', { stat }));
  expect(Number.isFinite(min) && min! <= median! && median! <= max!).toBe(true);
  const penalties = select(m, 'hotsync_peer_penalties_total');
  expect(penalties.some((s) => s.labels.reason!.startsWith('invalid-data:') && s.value > 0)).toBe(true);
  for (const s of penalties) expect(s.labels.reason).not.toMatch(/height|\d{3}/); // bounded: no heights
  const bans = select(m, 'hotsync_peer_bans_total');
  expect(
    bans.filter((s) => s.labels.reason!.startsWith('invalid-data:')).reduce((n, s) => n + s.value, 0),
  ).toBe(1);
  expect(forger.length).toBeGreaterThan(0);
  expect(m.samples.some((s) => Object.values(s.labels).includes(forger))).toBe(false); // no per-peer series
  // Requests and bytes by protocol and result, both directions.
  for (const protocol of ['status', 'blocks_by_range', 'commit_proof']) {
    const ok = { direction: 'outbound', protocol, result: 'ok' };
    expect(value('hotsync_network_requests_total', ok), `${protocol} ok`).toBeGreaterThan(0);
    expect(value('hotsync_network_received_bytes_total', ok), `${protocol} bytes`).toBeGreaterThan(0);
    expect(value('hotsync_network_sent_bytes_total', ok), `${protocol} bytes`).toBeGreaterThan(0);
    expect(
      value('hotsync_network_request_duration_seconds_count', { protocol, result: 'ok' }),
    ).toBeGreaterThan(0);
  }
  expect(
    value('hotsync_network_received_bytes_total', { protocol: 'blocks_by_range', result: 'ok' }),
  ).toBeGreaterThan(value('hotsync_block_bytes_stored_total'));
  // The servers ask our status too: the server side counts what it answered.
  expect(
    value('hotsync_network_requests_total', { direction: 'inbound', protocol: 'status', result: 'ok' }),
  ).toBeGreaterThan(0);
  // The coordinator: checks, one pause for sync and one resume.
  expect(value('hotsync_coordinator_checks_total')).toBeGreaterThanOrEqual(2);
  expect(value('hotsync_coordinator_mode_changes_total', { to: 'syncing' })).toBe(1);
  expect(value('hotsync_coordinator_mode_changes_total', { to: 'participating' })).toBe(1);
  expect(value('hotsync_coordinator_syncs_total')).toBeGreaterThanOrEqual(1);
  expect(value('hotsync_coordinator_syncing')).toBe(0);
}
