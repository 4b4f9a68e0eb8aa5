import { statusOf } from '@hotsync/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { smallChain } from '../fixtures/sim.fixture.js';
import type { SimChain } from './sim-chain.js';
import { copyPrefix, copyRange } from './store-copy.js';

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

describe('store copies', () => {
  it('copyPrefix holds the chain from its base up to a height, and serves from the base', async () => {
    const store = await copyPrefix(chain.store, 70);
    expect(store.tip()!.height).toBe(70);
    expect(statusOf(store)).toMatchObject({ height: 70, earliestHeight: 0 });
    expect(store.blockBytes(0)).toEqual(chain.store.blockBytes(0));
  });

  it('copyRange above the base is a pruned node: it serves from `from` only, and says so in its status', async () => {
    const store = await copyRange(chain.store, 81, 110);
    expect(store.tip()!.height).toBe(110);
    expect(store.base()).toBe(80);
    expect(store.blockBytes(80)).toBeUndefined();
    expect(store.blockRangeBytes(79, 5)).toEqual([]);
    const served = store.blockRangeBytes(81, 30);
    expect(served).toHaveLength(30);
    expect(served[0]).toEqual(chain.store.blockBytes(81));
    expect(store.commitProof(110)).toEqual(chain.store.commitProof(110));
    expect(statusOf(store)).toMatchObject({ height: 110, earliestHeight: 81 });
    // Snapshots below `from` are pruned with the blocks (the small chain has one at 60).
    expect(store.snapshots()).toEqual([]);
  });

  it('refuses a range the source does not hold', async () => {
    await expect(copyRange(chain.store, 50, 40)).rejects.toMatchObject({ code: 'simnet.invalid-option' });
    await expect(copyRange(chain.store, 50, 10_000)).rejects.toMatchObject({
      code: 'simnet.invalid-option',
    });
  });
});
