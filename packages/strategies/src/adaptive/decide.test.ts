import { describe, expect, it } from 'vitest';
import { decide, type SyncConditions } from './decide.js';

const rules = { fastSyncThreshold: 50_000, parallelThreshold: 64, minParallelPeers: 2 };
const at = (c: Partial<SyncConditions>): SyncConditions => ({
  behind: 1_000,
  stateUsable: true,
  snapshotOffered: true,
  servingPeers: 4,
  ...c,
});

describe('adaptive decision', () => {
  it('takes a snapshot when the state cannot replay blocks, whatever the distance', () => {
    expect(decide(at({ stateUsable: false, behind: 3 }), rules).choice).toBe('fast');
  });

  it('takes a snapshot far behind only when one is offered', () => {
    expect(decide(at({ behind: 50_000 }), rules).choice).toBe('fast');
    expect(decide(at({ behind: 80_000, snapshotOffered: false }), rules).choice).toBe('parallel');
  });

  it('goes parallel from the threshold with peers to spread over, incremental otherwise', () => {
    expect(decide(at({ behind: 64 }), rules).choice).toBe('parallel');
    expect(decide(at({ behind: 63 }), rules)).toMatchObject({
      choice: 'incremental',
      reason: expect.stringContaining('following the tip'),
    });
    expect(decide(at({ behind: 5_000, servingPeers: 1 }), rules)).toMatchObject({
      choice: 'incremental',
      reason: expect.stringContaining('only 1 peer'),
    });
  });
});
