import {
  ManualClock,
  type PeerStatus,
  parseSyncConfig,
  SeededRandom,
  type SyncConfigInput,
} from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import type { PeersEvent } from './events.js';
import { DEFAULT_TUNING } from './options.js';
import { createPeerManager, type DefaultPeerManager } from './peer-manager.js';

const INTERVAL = 60_000;

function setup(peers: SyncConfigInput['peers'] = {}) {
  const clock = new ManualClock(0);
  const config = parseSyncConfig({ peers: { rotationIntervalMs: INTERVAL, ...peers } });
  const pm = createPeerManager({ config, clock, random: new SeededRandom(5) });
  const rotations: Extract<PeersEvent, { type: 'rotated' }>[] = [];
  pm.onPeersEvent((e) => {
    if (e.type === 'rotated') rotations.push(e);
  });
  return { clock, pm, rotations };
}

const status = (height: number): PeerStatus => ({
  height,
  view: height + 1,
  epoch: 0,
  blockHash: new Uint8Array(32),
  earliestHeight: 0,
});

function addProven(pm: DefaultPeerManager, peer: string, trusted = false): void {
  pm.addPeer(peer, { trusted });
  pm.updateStatus(peer, status(100), 100);
}

/** Keeps every peer's status fresh, as the network's status exchange would. */
function refreshStatuses(pm: DefaultPeerManager, peers: readonly string[]): void {
  for (const p of peers) pm.updateStatus(p, status(100), 100);
}

describe('rotation', () => {
  it('on its interval, replaces a resting active peer with an untried one, and stops cleanly', async () => {
    const { clock, pm, rotations } = setup({ maxSyncPeers: 3 });
    const all = ['a', 'b', 'c', 'd', 'e'];
    for (const p of all) addProven(pm, p);
    expect(pm.activePeers()).toEqual(['a', 'b', 'c']);
    pm.start();
    pm.start(); // idempotent
    for (let i = 0; i < 3; i++) pm.recordOutcome('b', { kind: 'invalid-data', check: 'link.parent' });
    clock.advance(INTERVAL - 1);
    expect(pm.activePeers()).toEqual(['a', 'b', 'c']);
    clock.advance(1);
    expect(pm.activePeers()).toEqual(['a', 'c', 'd']);
    expect(rotations).toEqual([{ type: 'rotated', added: ['d'], removed: ['b'] }]);

    // Working peers at neutral are not swapped for untried ones at neutral...
    refreshStatuses(pm, all);
    clock.advance(INTERVAL);
    expect(pm.activePeers()).toEqual(['a', 'c', 'd']);
    // ...but one that turned below neutral is, one per round.
    pm.recordOutcome('c', { kind: 'failure', failure: 'server-error' });
    pm.recordOutcome('a', { kind: 'failure', failure: 'server-error' });
    pm.recordOutcome('a', { kind: 'failure', failure: 'server-error' });
    refreshStatuses(pm, all);
    clock.advance(INTERVAL);
    expect(pm.activePeers()).toEqual(['c', 'd', 'e']);
    expect(rotations.at(-1)).toEqual({ type: 'rotated', added: ['e'], removed: ['a'] });

    await pm.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('brings a recovered peer back when it beats the worst active one', () => {
    const { clock, pm } = setup({ maxSyncPeers: 2 });
    for (const p of ['a', 'b', 'c']) addProven(pm, p);
    // c is in reserve and rests; b, active, keeps failing now and then.
    for (let i = 0; i < 3; i++) pm.recordOutcome('c', { kind: 'invalid-data', check: 'view.order' });
    pm.start();
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) pm.recordOutcome('b', { kind: 'failure', failure: 'unavailable' });
      refreshStatuses(pm, ['a', 'b', 'c']);
      clock.advance(INTERVAL);
    }
    // c decayed from -30 to about -10 (recovered, usable) while b sits near -20 from steady faults.
    expect(pm.score('c')).toBeGreaterThan(DEFAULT_TUNING.scoring.useThreshold);
    expect(pm.activePeers()).toContain('c');
    expect(pm.activePeers()).toContain('a');
  });

  it('keeps trusted peers, even above maxSyncPeers and while resting', () => {
    const { clock, pm } = setup({ maxSyncPeers: 2 });
    addProven(pm, 'a');
    addProven(pm, 'b');
    addProven(pm, 't', true);
    addProven(pm, 'spare');
    expect(pm.activePeers()).toEqual(['a', 'b', 't']);
    pm.start();
    for (let i = 0; i < 40; i++) pm.recordOutcome('t', { kind: 'failure', failure: 'timeout' });
    expect(pm.peer('t')?.standing).toBe('resting');
    clock.advance(INTERVAL);
    expect(pm.activePeers()).toContain('t');
    expect(pm.isBanned('t')).toBe(false);
  });

  it('refills the active set at once when an active peer is banned or leaves (keeps the minimum)', () => {
    const { pm } = setup({ maxSyncPeers: 2, minSyncPeers: 2 });
    for (const p of ['a', 'b', 'c', 'd']) addProven(pm, p);
    pm.recordOutcome('a', { kind: 'invalid-data', check: 'qc.signature' });
    expect(pm.activePeers()).toEqual(['b', 'c']);
    pm.removePeer('b');
    expect(pm.activePeers()).toEqual(['c', 'd']);
    expect(pm.health().belowMinimum).toBe(false);
  });

  it('replaces stale active peers', () => {
    const { clock, pm } = setup({ maxSyncPeers: 1 });
    addProven(pm, 'quiet');
    addProven(pm, 'chatty');
    pm.start();
    for (let t = 0; t < DEFAULT_TUNING.health.staleAfterMs + INTERVAL; t += 10_000) {
      pm.updateStatus('chatty', status(100), 100);
      clock.advance(10_000);
    }
    expect(pm.activePeers()).toEqual(['chatty']);
    expect(pm.health().stale).toEqual(['quiet']);
  });
});
