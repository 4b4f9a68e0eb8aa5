import { VERIFICATION_MODES } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { proofFor, receivedRange } from './fixtures/chain-view.fixture.js';
import { FORGERY_CASES, planForgeries, runScenario } from './fixtures/forgeries.fixture.js';
import { sharedHandView } from './fixtures/hand-view.fixture.js';

// The same table runs on the generated chain in generated-chain.test.ts.
describe('forged inputs on the hand-built chain: each fails exactly its check, in both modes', () => {
  const view = sharedHandView();
  const plan = planForgeries(view);

  it.each(VERIFICATION_MODES)('the unforged range verifies (%s)', async (mode) => {
    const failure = await runScenario(
      view,
      {
        kind: 'range',
        request: {
          trusted: view.trustedAt(plan.a - 1),
          blocks: receivedRange(view, plan.a, plan.b),
          commitProof: { proof: proofFor(view, plan.b), peer: 'honest' },
        },
        height: 0,
        peer: 'honest',
      },
      mode,
    );
    expect(failure).toBeUndefined();
  });

  for (const forgery of FORGERY_CASES) {
    it.each(VERIFICATION_MODES)(`${forgery.name} → ${forgery.check} (%s)`, async (mode) => {
      const scenario = await forgery.build(view, plan);
      const failure = await runScenario(view, scenario, mode);
      expect(failure).toMatchObject({ check: forgery.check, height: scenario.height, peer: scenario.peer });
    });
  }
});
