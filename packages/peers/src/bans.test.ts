import { type PeerBan, silentLogger } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { BanList, type BanStoreFailure } from './bans.js';
import type { BanStore } from './options.js';

/** A ban store that records the order of writes and can be told to fail or to be slow. */
function fakeStore(initial: PeerBan[] = []) {
  const bans = new Map(initial.map((b) => [b.peer, b]));
  const log: string[] = [];
  let failNext = false;
  const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const store: BanStore = {
    bans: () => [...bans.values()],
    async putBan(ban) {
      await settle();
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      bans.set(ban.peer, ban);
      log.push(`put ${ban.peer}`);
    },
    async removeBan(peer) {
      bans.delete(peer);
      log.push(`remove ${peer}`);
    },
  };
  return { store, bans, log, failOnce: () => (failNext = true) };
}

const ban = (peer: string, untilMs: number, sinceMs = 0): PeerBan => ({
  peer,
  reason: 'test',
  sinceMs,
  untilMs,
});

describe('BanList', () => {
  it('loads persisted bans and lifts the expired ones from the store', async () => {
    const { store, bans } = fakeStore([ban('old', 100), ban('live', 10_000)]);
    const list = new BanList(store, silentLogger, () => {});
    const { loaded, expired } = list.load(500);
    expect(loaded.map((b) => b.peer)).toEqual(['live']);
    expect(expired.map((b) => b.peer)).toEqual(['old']);
    await list.flush();
    expect([...bans.keys()]).toEqual(['live']);
    expect(list.isBanned('live', 500)).toBe(true);
    expect(list.isBanned('live', 10_000)).toBe(false);
  });

  it('writes in the order things happened, even when an earlier write is slower', async () => {
    const { store, log, bans } = fakeStore();
    const list = new BanList(store, silentLogger, () => {});
    list.add(ban('p', 1_000));
    list.remove('p');
    await list.flush();
    expect(log).toEqual(['put p', 'remove p']);
    expect(bans.size).toBe(0);
  });

  it('never shortens a ban', () => {
    const list = new BanList(undefined, silentLogger, () => {});
    expect(list.add(ban('p', 1_000)).changed).toBe(true);
    expect(list.add(ban('p', 500))).toEqual({ ban: ban('p', 1_000), changed: false });
    expect(list.add(ban('p', 2_000)).changed).toBe(true);
    expect(list.get('p', 0)?.untilMs).toBe(2_000);
  });

  it('reports a failed write and keeps the ban in memory', async () => {
    const { store, failOnce } = fakeStore();
    const failures: BanStoreFailure[] = [];
    const list = new BanList(store, silentLogger, (f) => failures.push(f));
    failOnce();
    list.add(ban('p', 1_000));
    await list.flush();
    expect(failures).toMatchObject([{ operation: 'putBan', peer: 'p' }]);
    expect(list.isBanned('p', 0)).toBe(true);
  });

  it('reports an unreadable store and starts empty', () => {
    const failures: BanStoreFailure[] = [];
    const store: BanStore = {
      bans: () => {
        throw new Error('closed');
      },
      putBan: async () => {},
      removeBan: async () => {},
    };
    const list = new BanList(store, silentLogger, (f) => failures.push(f));
    expect(list.load(0)).toEqual({ loaded: [], expired: [] });
    expect(failures).toMatchObject([{ operation: 'bans' }]);
  });

  it('sweeps expired bans', () => {
    const list = new BanList(undefined, silentLogger, () => {});
    list.add(ban('a', 100));
    list.add(ban('b', 200));
    expect(list.removeExpired(150).map((b) => b.peer)).toEqual(['a']);
    expect(list.list(150).map((b) => b.peer)).toEqual(['b']);
  });
});
