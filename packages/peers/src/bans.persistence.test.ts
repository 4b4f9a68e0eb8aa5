import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChainStore,
  ManualClock,
  MemoryChainStore,
  openLmdbChainStore,
  type PeerStatus,
  parseSyncConfig,
  SeededRandom,
} from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TUNING } from './options.js';
import { createPeerManager } from './peer-manager.js';

const HOUR = 3_600_000;
const status = (height: number): PeerStatus => ({
  height,
  view: height + 1,
  epoch: 0,
  blockHash: new Uint8Array(32),
  earliestHeight: 0,
});

function manager(store: ChainStore, clock: ManualClock) {
  return createPeerManager({ config: parseSyncConfig({}), clock, random: new SeededRandom(1), store });
}

/** Bans `forger` (fatal: 24 h) and `rude` (five malformed replies: 1 h). */
function misbehave(pm: ReturnType<typeof manager>): void {
  for (const p of ['forger', 'rude', 'honest']) {
    pm.addPeer(p);
    pm.updateStatus(p, status(100), 100);
  }
  pm.recordOutcome('forger', { kind: 'invalid-data', check: 'qc.signature' });
  for (let i = 0; i < 5; i++) pm.recordOutcome('rude', { kind: 'failure', failure: 'malformed-response' });
}

describe('ban persistence', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('writes bans through the store, reloads them in a new manager and lifts expired ones (MemoryChainStore)', async () => {
    const store = new MemoryChainStore();
    const clock = new ManualClock(1_000 * HOUR);
    const first = manager(store, clock);
    misbehave(first);
    await first.stop();
    expect(store.bans().map((b) => [b.peer, b.untilMs - b.sinceMs])).toEqual([
      ['forger', DEFAULT_TUNING.bans.fatalDurationMs],
      ['rude', DEFAULT_TUNING.bans.durationMs],
    ]);

    clock.advance(2 * HOUR);
    const second = manager(store, clock);
    expect(second.isBanned('forger')).toBe(true);
    expect(second.isBanned('rude')).toBe(false); // expired while we were away
    await second.flush();
    expect(store.bans().map((b) => b.peer)).toEqual(['forger']);

    expect(second.unban('forger')).toBe(true);
    await second.flush();
    expect(store.bans()).toEqual([]);
    await store.close();
  });

  it('keeps bans across closing and reopening an LMDB store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotsync-peers-bans-'));
    dirs.push(dir);
    const clock = new ManualClock(1_000 * HOUR);

    let store = await openLmdbChainStore({ path: dir });
    const first = manager(store, clock);
    misbehave(first);
    const before = first.bans();
    expect(before.map((b) => b.peer).sort()).toEqual(['forger', 'rude']);
    await first.stop();
    await store.close();

    store = await openLmdbChainStore({ path: dir });
    const second = manager(store, clock);
    // The gater can ask before start(): bans are loaded by the constructor.
    expect(second.isBanned('forger')).toBe(true);
    expect(second.isBanned('rude')).toBe(true);
    expect(second.isBanned('honest')).toBe(false);
    expect(second.bans().sort((a, b) => a.peer.localeCompare(b.peer))).toEqual(
      before.sort((a, b) => a.peer.localeCompare(b.peer)),
    );

    // The 1 h ban expires; the sweep lifts it in the store too.
    clock.advance(HOUR);
    second.start();
    await second.stop();
    expect(store.bans().map((b) => b.peer)).toEqual(['forger']);
    await store.close();

    store = await openLmdbChainStore({ path: dir });
    const third = manager(store, clock);
    expect(third.isBanned('forger')).toBe(true);
    expect(third.isBanned('rude')).toBe(false);
    clock.advance(DEFAULT_TUNING.bans.fatalDurationMs);
    expect(third.isBanned('forger')).toBe(false);
    await third.stop();
    await store.close();
  });

  it('reports a store that refuses writes, and keeps the ban in memory', async () => {
    const store = new MemoryChainStore();
    const clock = new ManualClock(0);
    const pm = manager(store, clock);
    const errors: unknown[] = [];
    pm.onPeersEvent((e) => {
      if (e.type === 'store-error') errors.push(e.failure.operation);
    });
    await store.close();
    pm.recordOutcome('forger', { kind: 'invalid-data', check: 'qc.signature' });
    await pm.flush();
    expect(errors).toEqual(['putBan']);
    expect(pm.isBanned('forger')).toBe(true);
  });
});
