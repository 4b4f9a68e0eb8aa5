import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HotsyncError } from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbSafetyStore, MemorySafetyStore, VoteGuard } from './vote-guard.js';

describe('VoteGuard', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a vote at or below the last voted view, and persists nothing for it', async () => {
    const store = new MemorySafetyStore();
    const guard = new VoteGuard(store);
    await guard.recordVote(10);
    expect(guard.mayVote(10)).toBe(false);
    expect(guard.mayVote(9)).toBe(false);
    expect(guard.mayVote(11)).toBe(true);
    await expect(guard.recordVote(10)).rejects.toMatchObject({ code: 'adapter.vote-refused' });
    expect(store.load().lastVotedView).toBe(10);
  });

  it('lets only one of two concurrent votes in one view through', async () => {
    const guard = new VoteGuard(new MemorySafetyStore());
    const results = await Promise.allSettled([guard.recordVote(5), guard.recordVote(5)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('a validator resumed after a restart refuses to vote at or below its last voted view (LMDB)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-safety-'));
    dirs.push(dir);
    const first = LmdbSafetyStore.open(dir);
    const guard = new VoteGuard(first);
    await guard.recordVote(41, 40);
    await first.close();

    const reopened = LmdbSafetyStore.open(dir);
    const resumed = new VoteGuard(reopened);
    expect(resumed.safetyData()).toEqual({ lastVotedView: 41, lockedView: 40 });
    const refused = await resumed.recordVote(41).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HotsyncError);
    expect(resumed.mayVote(40)).toBe(false);
    await resumed.recordVote(42);
    expect(reopened.load().lastVotedView).toBe(42);
    await reopened.close();
  });
});
