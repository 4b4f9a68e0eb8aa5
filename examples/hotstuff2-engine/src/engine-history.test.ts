import { createMemoryStateMachine, type TrustedPoint } from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalNetwork } from './local-network.js';
import { hashesByHeight } from './scenario.fixture.js';
import { storedBlocks, verifyCommittedChain } from './verify-chain.js';

let net: LocalNetwork | undefined;
afterEach(async () => {
  await net?.stop();
  net = undefined;
});

describe('HotStuff-2 engine: continuing a generated history', () => {
  it.each([
    ['one epoch, unequal voting power', 0],
    ['a tip that ends an epoch (the next set takes over)', 250],
  ])(
    '500 generated blocks (%s), then live blocks that verify against the whole history',
    async (_, epochLength) => {
      net = await LocalNetwork.create({
        seed: 31 + epochLength,
        historyBlocks: 500,
        votingPower: 'unequal',
        epochLength,
      });
      const { chain } = net;
      expect(chain.tip.height).toBe(500);
      await net.start();
      const done = await net.runUntil(
        () => net!.nodes.every((n) => n.engine.committedHeight() >= 530),
        20_000,
      );
      expect(done).toBe(true);

      const store = net.nodes[0]!.store;
      const live = storedBlocks(store, 501);
      // The live blocks continue the generated chain: first parent = generated tip, epoch = the tip's next set.
      expect(live[0]!.header.parentHash).toEqual(chain.tip.hash);
      expect(live[0]!.justify).toEqual(chain.tipCommitProof.qc);
      expect(live[0]!.header.view).toBeGreaterThan(
        chain.tipCommitProof.kind === 'two-chain' ? chain.tipCommitProof.child.view : chain.tip.view,
      );
      expect(live.every((b) => b.header.epoch === chain.tip.validatorSet.epoch)).toBe(true);
      for (const n of net.nodes.slice(1)) {
        const hashes = hashesByHeight(n.store, 1);
        for (const [height, hash] of hashesByHeight(store, 1))
          if (hashes.has(height)) expect(hashes.get(height)).toBe(hash);
      }

      // A syncing node trusting only genesis verifies history and live blocks alike, in full mode.
      const genesis = chain.genesis.header;
      const anchor: TrustedPoint = {
        height: 0,
        hash: chain.anchor.blockHash,
        view: genesis.view,
        epoch: genesis.epoch,
        timestampMs: genesis.timestampMs,
        stateRoot: genesis.stateRoot,
        validatorSet: chain.anchor.validatorSet,
      };
      const verified = await verifyCommittedChain(
        store,
        anchor,
        chain.chainId,
        net.clock,
        createMemoryStateMachine(),
      );
      expect(verified).toMatchObject({ blocks: store.tip()!.height });
    },
  );
});
