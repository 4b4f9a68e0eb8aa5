import { beforeAll, describe, expect, it } from 'vitest';
import { forgedChain } from '../behaviours/forgery.js';
import type { SimChain } from '../chain/sim-chain.js';
import { smallChain } from '../fixtures/sim.fixture.js';
import { simpleSync } from '../fixtures/simple-sync.fixture.js';
import { expectNoInvalidBlockStored, expectOnlyPenalized, expectSyncedToHonestTip } from './assertions.js';
import { runScenario } from './runner.js';
import type { FaultSpec, NodeSpec } from './types.js';

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

const servers = (n: number): NodeSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}`, role: 'serve' as const, chain: 'main' }));

function scenario(faults: FaultSpec[], options: { seed?: number; extra?: NodeSpec[] } = {}) {
  return runScenario({
    seed: options.seed ?? 3,
    chains: { main: chain },
    nodes: [
      ...servers(3),
      ...(options.extra ?? []),
      { id: 'c', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 10 }) },
    ],
    links: { default: { latency: 20, bandwidthBytesPerSec: 200_000, loss: 0 } },
    network: { timeouts: { firstByteMs: 500, requestMs: 2_000 } },
    faults,
    until: { deadlineMs: 300_000, condition: 'all-synced' },
  });
}

describe('partitions', () => {
  it('a client cut off from every server syncs once the partition heals, and blames nobody', async () => {
    const result = await scenario([
      { atMs: 0, kind: 'partition', groups: [['c'], ['s1', 's2', 's3']] },
      { atMs: 10_000, kind: 'heal' },
    ]);
    expectSyncedToHonestTip(result);
    expect(result.report.virtualTimeMs).toBeGreaterThan(10_000);
    expectOnlyPenalized(result, []);
  });

  it('a silent partition mid-sync looks like timeouts; the client recovers after the heal', async () => {
    const result = await scenario([
      { atMs: 600, kind: 'partition', groups: [['c'], ['s1', 's2', 's3']], mode: 'silent' },
      { atMs: 8_000, kind: 'heal' },
    ]);
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expect(result.report.virtualTimeMs).toBeGreaterThan(8_000);
    // The client cannot tell a silent partition from slow peers: it blames timeouts only.
    expect(new Set(result.report.penalties.map((p) => p.reason))).toEqual(new Set(['request.timeout']));
  });
});

describe('churn', () => {
  it('servers leaving and joining in turn do not stop the client', async () => {
    const result = await scenario([
      { atMs: 300, kind: 'leave', node: 's1' },
      { atMs: 300, kind: 'leave', node: 's2' },
      { atMs: 900, kind: 'leave', node: 's3' },
      { atMs: 900, kind: 'join', node: 's1' },
      { atMs: 1_500, kind: 'leave', node: 's1' },
      { atMs: 1_500, kind: 'join', node: 's2' },
    ]);
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expect(result.report.nodes.s3!.online).toBe(false);
  });

  it('a server that is behind (upToHeight) serves what it has; the client still reaches the tip', async () => {
    const result = await runScenario({
      seed: 4,
      chains: { main: chain },
      nodes: [
        { id: 'behind', role: 'serve', chain: 'main', upToHeight: 70 },
        { id: 'full', role: 'serve', chain: 'main', online: false },
        { id: 'c', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 25 }) },
      ],
      faults: [{ atMs: 5_000, kind: 'join', node: 'full' }],
      until: { deadlineMs: 60_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expect(result.report.nodes.behind!.tip!.height).toBe(70);
    expect(result.report.nodes.c!.peers.behind!.responsesOk).toBeGreaterThan(2);
  });
});

describe('behaviour changes', () => {
  it('a server that turns forger mid-run is caught from then on, and the client finishes elsewhere', async () => {
    const result = await runScenario({
      seed: 6,
      chains: { main: chain },
      nodes: [
        { id: 'turncoat', role: 'serve', chain: 'main' },
        { id: 'late', role: 'serve', chain: 'main', online: false },
        { id: 'c', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 10 }) },
      ],
      links: { default: { latency: 50, bandwidthBytesPerSec: 1_000_000, loss: 0 } },
      faults: [
        { atMs: 800, kind: 'behaviours', node: 'turncoat', behaviours: [forgedChain({ fromHeight: 100 })] },
        { atMs: 5_000, kind: 'join', node: 'late' },
      ],
      until: { deadlineMs: 60_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expect(result.report.bans.map((b) => [b.peer, b.reason])).toEqual([['turncoat', 'qc.signature']]);
    expect(result.report.nodes.c!.peers.turncoat!.responsesOk).toBeGreaterThan(10); // it served honestly first
  });
});

describe('link changes', () => {
  it('a link throttled mid-run makes the same sync take longer', async () => {
    const base = (faults: FaultSpec[]) =>
      runScenario({
        seed: 8,
        chains: { main: chain },
        nodes: [
          { id: 's', role: 'serve', chain: 'main' },
          { id: 'c', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 10 }) },
        ],
        links: { default: { latency: 5, bandwidthBytesPerSec: 1_000_000, loss: 0 } },
        faults,
        until: { deadlineMs: 300_000, condition: 'all-synced' },
      });
    const fast = await base([]);
    const throttled = await base([
      { atMs: 100, kind: 'link', a: 's', b: 'c', link: { bandwidthBytesPerSec: 50_000 } },
    ]);
    expectSyncedToHonestTip(throttled);
    // ~150 kB of blocks at 50 kB/s instead of 1 MB/s.
    expect(throttled.report.virtualTimeMs).toBeGreaterThan(fast.report.virtualTimeMs + 2_000);
  });
});
