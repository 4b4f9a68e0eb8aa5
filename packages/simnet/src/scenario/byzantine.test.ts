import { beforeAll, describe, expect, it } from 'vitest';
import type { Behaviour } from '../behaviours/behaviour.js';
import { lyingHeight } from '../behaviours/claims.js';
import { equivocating } from '../behaviours/equivocating.js';
import { forgedChain, invalidSignatures, uncommittedFork } from '../behaviours/forgery.js';
import { garbage, oversized, truncated } from '../behaviours/malformed.js';
import { flaky, slow, withholding } from '../behaviours/timing.js';
import type { SimChain } from '../chain/sim-chain.js';
import { smallChain } from '../fixtures/sim.fixture.js';
import { simpleSync } from '../fixtures/simple-sync.fixture.js';
import {
  expectBanned,
  expectNoErrors,
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
} from './assertions.js';
import { runScenario } from './runner.js';

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

/**
 * The client first sees only the faulty peer; an honest one joins after 30 s. The client
 * must refuse everything faulty, blame that peer for the right reason, and then sync.
 */
async function alone(
  behaviours: readonly Behaviour[],
  options: { seed?: number; honestJoinsAtMs?: number } = {},
) {
  return runScenario({
    seed: options.seed ?? 5,
    chains: { main: chain },
    nodes: [
      { id: 'bad', role: 'serve', chain: 'main', behaviours },
      { id: 'honest', role: 'serve', chain: 'main', online: false },
      { id: 'client', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 40, mode: 'full' }) },
    ],
    network: { timeouts: { firstByteMs: 1_000, requestMs: 4_000 } },
    faults: [{ atMs: options.honestJoinsAtMs ?? 30_000, kind: 'join', node: 'honest' }],
    until: { deadlineMs: 120_000, condition: 'all-synced' },
  });
}

// Faults in status answers would hide the peer (no status, never asked): these act on data only.
const DATA: ('blocks_by_range' | 'commit_proof')[] = ['blocks_by_range', 'commit_proof'];

const reasons = (result: Awaited<ReturnType<typeof alone>>) => [
  ...new Set(result.report.penalties.map((p) => p.reason)),
];

describe('each faulty peer alone, then an honest one', () => {
  const banned: [string, () => Behaviour[], string][] = [
    ['invalid signatures', () => [invalidSignatures()], 'qc.signature'],
    ['forged chain', () => [forgedChain()], 'qc.signature'],
    ['uncommitted fork', () => [uncommittedFork()], 'commit.proof'],
    [
      'garbage blocks',
      () => [garbage({ mode: 'payload', methods: ['blocks_by_range'] })],
      'structure.decode',
    ],
    ['raw garbage', () => [garbage({ methods: DATA })], 'request.malformed-response'],
    ['oversized replies', () => [oversized({ methods: DATA })], 'request.oversized-response'],
    ['cut streams', () => [truncated({ mode: 'cut-stream', methods: DATA })], 'request.malformed-response'],
    ['withholding', () => [withholding()], 'request.timeout'],
  ];
  for (const [name, behaviours, reason] of banned) {
    it(`${name}: refused (${reason}), banned, and the client syncs from the honest peer`, async () => {
      const result = await alone(behaviours());
      expectNoErrors(result);
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectBanned(result, ['bad']);
      expectOnlyPenalized(result, ['bad']);
      expect(reasons(result)).toEqual([reason]);
    });
  }

  it('equivocating: whatever mix of its two chains it serves is refused, and it is banned', async () => {
    const result = await alone([equivocating()]);
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectBanned(result, ['bad']);
    expectOnlyPenalized(result, ['bad']);
    // Its forged answers fail qc.signature; forged blocks on top of honest ones fail link.parent,
    // honest blocks with a forged proof commit.target.
    expect(['qc.signature', 'commit.target', 'link.parent']).toEqual(expect.arrayContaining(reasons(result)));
  });

  const tolerated: [string, () => Behaviour[]][] = [
    ['slow', () => [slow(300)]],
    ['flaky', () => [flaky(0.2, { failures: ['server-error', 'unavailable', 'rate-limited'] })]],
  ];
  for (const [name, behaviours] of tolerated) {
    it(`${name}: still useful, so the client syncs from it before the honest peer arrives`, async () => {
      const result = await alone(behaviours());
      expectNoErrors(result);
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expect(result.report.bans).toEqual([]);
      expect(result.report.virtualTimeMs).toBeLessThan(30_000);
    });
  }

  it('truncated ranges: it delivers most of the chain, but not the proofs the last short ranges need', async () => {
    const result = await alone([truncated({ keep: 0.25 })]);
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, ['bad']);
    expect(reasons(result)).toEqual(['request.unavailable']);
    const peers = result.report.nodes.client!.peers;
    expect(peers.bad!.bytesReceived).toBeGreaterThan(5 * peers.honest!.bytesReceived);
  });

  it('lying about its height: its blocks are real, but it is blamed when it cannot serve what it claimed', async () => {
    const result = await runScenario({
      seed: 5,
      chains: { main: chain },
      nodes: [
        { id: 'liar', role: 'serve', chain: 'main', behaviours: [lyingHeight()] },
        { id: 'client', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 40 }) },
      ],
      until: { deadlineMs: 20_000 },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    // Once: after that its claim counts no higher than what it served.
    expect(result.report.penalties.map((p) => [p.peer, p.level, p.reason])).toEqual([
      ['liar', 'low', 'served no blocks below its claimed height'],
    ]);
    expect(result.report.bans).toEqual([]);
  });
});

describe('a network with every kind of faulty peer', () => {
  it('syncs every client to the honest tip, stores nothing invalid, and blames only faulty peers', async () => {
    const faulty: Record<string, Behaviour[]> = {
      sig: [invalidSignatures({ fromHeight: 20 })],
      forger: [forgedChain({ fromHeight: 40 })],
      fork: [uncommittedFork({ index: 1 })],
      junk: [garbage({ methods: DATA })],
      big: [oversized({ methods: DATA })],
      mute: [withholding()],
      twofaced: [equivocating()],
      flaky: [flaky(0.5)],
    };
    const result = await runScenario({
      seed: 99,
      chains: { main: chain },
      nodes: [
        { id: 'h1', role: 'serve', chain: 'main', online: false },
        { id: 'h2', role: 'serve', chain: 'main', online: false, behaviours: [slow(50)] },
        ...Object.entries(faulty).map(([id, behaviours]) => ({
          id,
          role: 'serve' as const,
          chain: 'main',
          behaviours,
        })),
        ...['c1', 'c2', 'c3'].map((id) => ({
          id,
          role: 'sync' as const,
          chain: 'main',
          sync: simpleSync({ batchSize: 16 }),
        })),
      ],
      network: { timeouts: { firstByteMs: 1_000, requestMs: 4_000 } },
      faults: [
        { atMs: 5_000, kind: 'join', node: 'h1' },
        { atMs: 5_000, kind: 'join', node: 'h2' },
      ],
      until: { deadlineMs: 300_000, condition: 'all-synced' },
    });
    expectNoErrors(result);
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, Object.keys(faulty));
    // With the honest peers late, the clients met the faulty ones first and banned them for what they served.
    const banned = new Set(result.report.bans.map((b) => b.peer));
    expect([...banned].sort()).toEqual(expect.arrayContaining(['fork', 'forger', 'sig']));
    expect(banned.size).toBeGreaterThanOrEqual(4);
  });
});
