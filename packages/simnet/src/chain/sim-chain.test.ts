import { describe, expect, it } from 'vitest';
import { smallChain } from '../fixtures/sim.fixture.js';
import { SimChain } from './sim-chain.js';
import { copyPrefix } from './store-copy.js';

describe('SimChain.fromStore', () => {
  it('serves a chain generated elsewhere from the store that holds it', async () => {
    const chain = await smallChain();
    const copy = SimChain.fromStore(chain.generated, await copyPrefix(chain.store, chain.tip.height), 10);
    expect(copy.tip).toEqual(chain.tip);
    expect(copy.genesisPoint).toEqual(chain.genesisPoint);
    expect(copy.blockBytes(77)).toEqual(chain.blockBytes(77));
    expect(copy.createStateMachine().root()).toEqual(chain.createStateMachine().root());
  });

  it('refuses a store that is not the chain it is said to be, and a bad depth', async () => {
    const chain = await smallChain();
    const short = await copyPrefix(chain.store, 70);
    expect(() => SimChain.fromStore(chain.generated, short, 10)).toThrow(
      expect.objectContaining({ code: 'simnet.invalid-option' }),
    );
    expect(() => SimChain.fromStore(chain.generated, chain.store, 0)).toThrow(
      expect.objectContaining({ code: 'simnet.invalid-option' }),
    );
  });
});
