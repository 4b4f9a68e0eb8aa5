import { describe, expect, it } from 'vitest';
import { failureKind, resultOf, settle, testNet } from '../fixtures/sim.fixture.js';
import { lyingHeight } from './claims.js';

describe('lyingHeight', () => {
  it('claims far more than it has, and cannot back the claim with blocks or a commit proof', async () => {
    const t = await testNet({ servers: { liar: [lyingHeight({ extraBlocks: 1_000_000 })], honest: [] } });
    const tip = t.chain.tip.height;
    const claim = resultOf(await settle(t.sim, t.client.status('liar')));
    expect(claim.height).toBe(tip + 1_000_000);
    expect(resultOf(await settle(t.sim, t.client.status('honest'))).height).toBe(tip);
    // What catches it: no commit proof for the claimed height, no blocks above its real tip.
    expect(failureKind(await settle(t.sim, t.client.commitProof('liar', claim.height)))).toBe('unavailable');
    expect(
      resultOf(await settle(t.sim, t.client.blocksByRange('liar', { startHeight: tip + 1, count: 10 }))),
    ).toEqual([]);
    // Below its real tip it serves the honest chain.
    const blocks = resultOf(
      await settle(t.sim, t.client.blocksByRange('liar', { startHeight: 1, count: 5 })),
    );
    expect(blocks).toEqual([1, 2, 3, 4, 5].map((h) => t.chain.blockBytes(h)));
  });
});
