import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbSafetyStore, VoteGuard } from '@hotsync/consensus-adapter';
import type { QuorumCertificate } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { SafetyRules } from './safety-rules.js';

function qc(view: number, fill: number): QuorumCertificate {
  return {
    vote: { epoch: 0, view, height: view, blockHash: new Uint8Array(32).fill(fill), phase: 'prepare' },
    validatorCount: 4,
    signers: new Uint8Array(1),
    signatures: [],
  };
}

describe('SafetyRules', () => {
  it('lock on the highest QC; vote only above the last vote, extending the lock or with a newer justify', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hs2-safety-'));
    try {
      let store = LmdbSafetyStore.open(dir);
      const rules = new SafetyRules(new VoteGuard(store));
      rules.observeQc(qc(5, 0xa));
      rules.observeQc(qc(3, 0xb)); // lower: the lock stays
      expect(rules.locked()).toEqual({ view: 5, blockHash: new Uint8Array(32).fill(0xa) });
      expect(rules.isLockedBlock(new Uint8Array(32).fill(0xa))).toBe(true);
      expect(rules.check(7, qc(4, 0xc), false)).toEqual({ ok: false, reason: 'conflicts-with-lock' });
      expect(rules.check(7, qc(5, 0xa), true)).toEqual({ ok: true });
      expect(rules.check(7, qc(5, 0xd), false)).toEqual({ ok: false, reason: 'conflicts-with-lock' });
      expect(rules.check(7, qc(6, 0xe), false)).toEqual({ ok: true });

      await rules.recordVote(7);
      expect(rules.safetyData()).toEqual({ lastVotedView: 7, lockedView: 5 });
      expect(rules.check(7, qc(6, 0xe), false)).toEqual({ ok: false, reason: 'already-voted' });
      expect(rules.check(6, qc(5, 0xa), true)).toEqual({ ok: false, reason: 'already-voted' });
      await expect(rules.recordVote(7)).rejects.toMatchObject({ code: 'adapter.vote-refused' });
      await store.close();

      // A new instance on the same LMDB store: the last vote and the lock's view survive.
      store = LmdbSafetyStore.open(dir);
      const restarted = new SafetyRules(new VoteGuard(store));
      expect(restarted.firstVotableView()).toBe(8);
      expect(restarted.locked()).toEqual({ view: 5, blockHash: undefined });
      expect(restarted.check(7, qc(6, 0xe), false)).toEqual({ ok: false, reason: 'already-voted' });
      expect(restarted.check(8, qc(4, 0xc), false)).toEqual({ ok: false, reason: 'conflicts-with-lock' });
      // Only the view was kept: a QC of that view is the locked block's (one QC per view).
      expect(restarted.check(8, qc(5, 0xa), false)).toEqual({ ok: true });
      restarted.observeQc(qc(5, 0xa));
      expect(restarted.locked().blockHash).toEqual(new Uint8Array(32).fill(0xa));
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
