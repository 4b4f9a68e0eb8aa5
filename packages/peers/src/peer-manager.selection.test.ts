import {
  ManualClock,
  type PeerStatus,
  parseSyncConfig,
  SeededRandom,
  type SyncConfigInput,
} from '@hotsync/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPeerManager, type DefaultPeerManager } from './peer-manager.js';

function setup(peers: SyncConfigInput['peers'] = {}, seed = 42) {
  const clock = new ManualClock(1_000_000);
  const pm = createPeerManager({ config: parseSyncConfig({ peers }), clock, random: new SeededRandom(seed) });
  return { clock, pm };
}

const status = (height: number, earliestHeight = 0): PeerStatus => ({
  height,
  view: height + 1,
  epoch: 0,
  blockHash: new Uint8Array(32),
  earliestHeight,
});

function addProven(pm: DefaultPeerManager, peer: string, height: number): void {
  pm.addPeer(peer);
  pm.updateStatus(peer, status(height), height);
}

/** Picks one peer `rounds` times, as a strategy would (acquire, request, release). */
function tally(pm: DefaultPeerManager, rounds: number, minHeight = 1): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < rounds; i++) {
    const [peer] = pm.selectPeers({ minHeight, count: 1 });
    if (!peer) continue;
    expect(pm.acquire(peer)).toBe(true);
    counts.set(peer, (counts.get(peer) ?? 0) + 1);
    pm.release(peer);
  }
  return counts;
}

describe('selection', () => {
  it('spreads load evenly over equal peers', () => {
    const { pm } = setup();
    const peers = ['a', 'b', 'c', 'd', 'e'];
    for (const p of peers) addProven(pm, p, 1_000);
    const counts = tally(pm, 10_000);
    for (const p of peers) {
      expect(counts.get(p)).toBeGreaterThan(1_850);
      expect(counts.get(p)).toBeLessThan(2_150);
    }
  });

  it('gives faster peers more, in proportion to measured throughput', () => {
    const { pm } = setup();
    addProven(pm, 'fast', 1_000);
    addProven(pm, 'slow', 1_000);
    // Same bytes, a quarter of the time: four times the throughput. Same credit for both.
    for (let i = 0; i < 10; i++) {
      pm.recordOutcome('fast', { kind: 'success', latencyMs: 100, bytes: 400_000, items: 100 });
      pm.recordOutcome('slow', { kind: 'success', latencyMs: 400, bytes: 400_000, items: 100 });
    }
    expect(pm.peer('fast')?.throughputBytesPerSec).toBeCloseTo(4_000_000, 3);
    const counts = tally(pm, 10_000);
    const share = (counts.get('fast') ?? 0) / 10_000;
    expect(share).toBeGreaterThan(0.77);
    expect(share).toBeLessThan(0.83);
  });

  it('skips busy peers: at most maxRequestsPerPeer in flight', () => {
    const { pm } = setup({ maxRequestsPerPeer: 2 });
    addProven(pm, 'a', 1_000);
    addProven(pm, 'b', 1_000);
    expect(pm.acquire('a')).toBe(true);
    // Half of a's slots taken: it gets about a third of the picks.
    const counts = tally(pm, 6_000);
    expect((counts.get('a') ?? 0) / 6_000).toBeGreaterThan(0.3);
    expect((counts.get('a') ?? 0) / 6_000).toBeLessThan(0.37);
    expect(pm.acquire('a')).toBe(true);
    expect(pm.acquire('a')).toBe(false);
    for (let i = 0; i < 200; i++) expect(pm.selectPeers({ minHeight: 1, count: 2 })).toEqual(['b']);
    expect(pm.eligibility('a', { minHeight: 1 })).toBe('busy');
    pm.release('a');
    expect(pm.acquire('a')).toBe(true);
    pm.release('a');
    pm.release('a');
    pm.release('a'); // an extra release is harmless
    expect(pm.peer('a')?.inFlight).toBe(0);
  });

  it('skips peers whose proven height is below the range end, whatever they claim', () => {
    const { pm } = setup();
    addProven(pm, 'short', 500);
    addProven(pm, 'tall', 2_000);
    pm.addPeer('claimer');
    pm.updateStatus('claimer', status(1_000_000)); // no proof
    pm.updateStatus('short', status(1_000_000)); // a claim does not raise the proven 500
    for (let i = 0; i < 200; i++) expect(pm.selectPeers({ minHeight: 1_000, count: 3 })).toEqual(['tall']);
    expect(pm.eligibility('claimer', { minHeight: 1 })).toBe('too-short');
    // A peer that now claims less than it once proved may have lost data: its claim caps it.
    pm.updateStatus('tall', status(900));
    expect(pm.selectPeers({ minHeight: 1_000, count: 3 })).toEqual([]);
    expect(pm.peer('tall')?.provenHeight).toBe(2_000);
  });

  it('skips peers pruned above the range start', () => {
    const { pm } = setup();
    addProven(pm, 'archive', 2_000);
    pm.addPeer('pruned');
    pm.updateStatus('pruned', status(2_000, 1_500), 2_000);
    expect(pm.selectPeers({ fromHeight: 1_000, minHeight: 1_100, count: 2 })).toEqual(['archive']);
    expect(pm.selectPeers({ fromHeight: 1_600, minHeight: 1_700, count: 2 }).sort()).toEqual([
      'archive',
      'pruned',
    ]);
  });

  it('honours exclude, and returns fewer (or none) when not enough qualify', () => {
    const { pm } = setup();
    addProven(pm, 'a', 100);
    addProven(pm, 'b', 100);
    expect(pm.selectPeers({ minHeight: 1, count: 5, exclude: new Set(['a']) })).toEqual(['b']);
    expect(pm.selectPeers({ minHeight: 101, count: 5 })).toEqual([]);
    expect(pm.selectPeers({ minHeight: 1, count: 0 })).toEqual([]);
  });

  it('reaches beyond the active set when it has too few peers for the range, and promotes them', () => {
    const { pm } = setup({ maxSyncPeers: 2 });
    addProven(pm, 'a', 100);
    addProven(pm, 'b', 100);
    addProven(pm, 'c', 5_000);
    expect(pm.activePeers()).toEqual(['a', 'b']);
    expect(pm.selectPeers({ minHeight: 4_000, count: 1 })).toEqual(['c']);
    pm.removePeer('a');
    expect(pm.activePeers()).toEqual(['b', 'c']);
  });

  it('is reproducible from the seed', () => {
    const run = (seed: number) => {
      const { pm } = setup({}, seed);
      for (const p of ['a', 'b', 'c', 'd']) addProven(pm, p, 100);
      return Array.from({ length: 50 }, () => pm.selectPeers({ minHeight: 1, count: 2 }).join(','));
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });

  it('never chooses a banned, waiting, resting, busy, too-short or removed peer (property)', () => {
    type Op =
      | { op: 'add'; peer: number; height: number; proven: boolean }
      | { op: 'remove'; peer: number }
      | { op: 'invalid'; peer: number; check: string }
      | { op: 'fail'; peer: number; kind: 'timeout' | 'rate-limited' | 'malformed-response' | 'aborted' }
      | { op: 'ok'; peer: number }
      | { op: 'acquire'; peer: number }
      | { op: 'release'; peer: number }
      | { op: 'ban'; peer: number }
      | { op: 'wait'; ms: number };
    const peer = fc.integer({ min: 0, max: 7 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        op: fc.constant('add' as const),
        peer,
        height: fc.integer({ min: 0, max: 2_000 }),
        proven: fc.boolean(),
      }),
      fc.record({ op: fc.constant('remove' as const), peer }),
      fc.record({
        op: fc.constant('invalid' as const),
        peer,
        check: fc.constantFrom('qc.signature', 'link.parent', 'commit.target', 'state.root', 'x.y'),
      }),
      fc.record({
        op: fc.constant('fail' as const),
        peer,
        kind: fc.constantFrom(
          'timeout' as const,
          'rate-limited' as const,
          'malformed-response' as const,
          'aborted' as const,
        ),
      }),
      fc.record({ op: fc.constant('ok' as const), peer }),
      fc.record({ op: fc.constant('acquire' as const), peer }),
      fc.record({ op: fc.constant('release' as const), peer }),
      fc.record({ op: fc.constant('ban' as const), peer }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3_600_000 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 120 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        (ops, minHeight, count, seed) => {
          const { pm, clock } = setup({ maxSyncPeers: 4, maxRequestsPerPeer: 2 }, seed);
          const id = (n: number) => `p${n}`;
          for (const o of ops) {
            switch (o.op) {
              case 'add':
                pm.addPeer(id(o.peer));
                pm.updateStatus(id(o.peer), status(o.height), o.proven ? o.height : undefined);
                break;
              case 'remove':
                pm.removePeer(id(o.peer));
                break;
              case 'invalid':
                pm.recordOutcome(id(o.peer), { kind: 'invalid-data', check: o.check });
                break;
              case 'fail':
                pm.recordOutcome(id(o.peer), { kind: 'failure', failure: o.kind, retryAfterMs: 5_000 });
                break;
              case 'ok':
                pm.recordOutcome(id(o.peer), { kind: 'success', latencyMs: 50, bytes: 1_000, items: 1 });
                break;
              case 'acquire':
                pm.acquire(id(o.peer));
                break;
              case 'release':
                pm.release(id(o.peer));
                break;
              case 'ban':
                pm.ban(id(o.peer), 'property', 60_000);
                break;
              case 'wait':
                clock.advance(o.ms);
                break;
            }
            const chosen = pm.selectPeers({ minHeight, count });
            expect(new Set(chosen).size).toBe(chosen.length);
            expect(chosen.length).toBeLessThanOrEqual(count);
            for (const p of chosen) {
              const d = pm.peer(p)!;
              expect(pm.isBanned(p)).toBe(false);
              expect(d.connected).toBe(true);
              expect(d.waitingUntilMs).toBeUndefined();
              expect(d.standing).toBe('usable');
              expect(d.inFlight).toBeLessThan(2);
              expect(d.hasProvenHeight).toBe(true);
              expect(Math.min(d.provenHeight, d.status!.height)).toBeGreaterThanOrEqual(minHeight);
            }
          }
        },
      ),
      { numRuns: 300, seed: 20_240_601 },
    );
  });
});
