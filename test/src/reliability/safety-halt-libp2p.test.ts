import {
  bytesEqual,
  createSyncManager,
  hashOfEncodedBlock,
  parseSyncConfig,
  SeededRandom,
  type SyncManagerEvents,
  type SyncOutcome,
  systemClock,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import { SimChain } from '@hotsync/simnet';
import { parallelStrategy } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conflictingChain } from '../fixtures/conflicting-chain.js';
import { behaveAs, genesisStore, Libp2pNodes, untilConnected } from '../fixtures/libp2p-nodes.js';
import { evidenceCommits, failedOutcome, foreignBlocks, logWrites } from './safety-halt-scenario.js';

/*
 * The safety halt over real libp2p (TCP, noise, yamux on 127.0.0.1): an honest node and a
 * node serving a chain that a Byzantine quorum also signed (forked at FORK) are both
 * proven at discovery; their commit proofs conflict, and the syncing node stops with both
 * proofs, naming both peers by their libp2p ids, having stored nothing of the other chain
 * and nothing after the halt.
 */
const BLOCKS = 300;
const FORK = 120;

let chain: SimChain;
beforeAll(async () => {
  chain = await SimChain.generate({ seed: 62, blocks: BLOCKS, epochLength: 0, transactionsPerBlock: 2 });
}, 60_000);

const nodes = new Libp2pNodes();
afterEach(() => nodes.stopAll());

describe('safety halt over libp2p', () => {
  it('two connected peers prove different blocks at their tip: the sync stops with both proofs and both peer ids', async () => {
    const chainId = chain.chainId;
    const config = { strategy: { default: 'parallel' as const } };
    const honest = await nodes.start({ chainId, store: chain.store, config });
    const fork = await nodes.start({ chainId, store: chain.store, config, seed: 100 });
    await behaveAs(fork, chain, [conflictingChain({ fromHeight: FORK, viewShift: 1_000_000 })], 7);

    const store = await genesisStore(chain);
    const writes = logWrites(store);
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(1),
      store,
    });
    const me = await nodes.start({ chainId, store, peers, config });
    await me.dial(honest.multiaddrs()[0]!);
    await me.dial(fork.multiaddrs()[0]!);
    await untilConnected(me, [honest.peerId, fork.peerId]);

    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    const manager = createSyncManager({
      config,
      anchor: chain.generated.anchor,
      store,
      stateMachine: chain.createStateMachine(),
      verifier,
      peers,
      network: me.sync,
      strategies: [parallelStrategy()],
      clock: systemClock,
      random: new SeededRandom(2),
    });
    const failed: SyncManagerEvents['failed'][] = [];
    let atFailure: { tip: number | undefined; batches: number } | undefined;
    manager.on('failed', (e) => {
      failed.push(e);
      atFailure = { tip: store.tip()?.height, batches: writes.batches };
    });
    peers.start();
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        manager.start(),
        new Promise<SyncOutcome>((resolve) => {
          timer = setTimeout(() => resolve({ kind: 'stopped', height: -1 }), 30_000);
        }),
      ]);
      const result = failedOutcome(outcome);
      expect(result.attempts).toBe(1);
      const evidence = result.evidence!;
      const { heights, hashes } = evidenceCommits(evidence);
      expect(heights).toEqual([BLOCKS, BLOCKS]);
      const honestHash = hashOfEncodedBlock(chain.store.blockBytes(BLOCKS)!);
      expect(hashes.filter((h) => bytesEqual(h, honestHash))).toHaveLength(1);
      expect([evidence.firstPeer, evidence.secondPeer].sort()).toEqual([honest.peerId, fork.peerId].sort());
      // The honest peer's proof is the one committing the honest block.
      const honestFirst = bytesEqual(hashes[0]!, honestHash);
      expect(honestFirst ? evidence.firstPeer : evidence.secondPeer).toBe(honest.peerId);
      expect(failed.map((e) => e.evidence)).toEqual([evidence]);
      // Discovery goes on 500 ms after the first proven peer, so on a slow machine honest
      // blocks may be stored before the second proof arrives; never one of the other chain,
      // and nothing at all after the halt.
      await new Promise((r) => setTimeout(r, 500));
      expect(foreignBlocks(store, chain)).toEqual([]);
      expect(writes.batches).toBe(atFailure!.batches);
      expect(store.tip()?.height).toBe(atFailure!.tip);
      expect(result.lastGoodHeight).toBe(atFailure!.tip);
      console.log(
        `safety halt over libp2p: stopped at height ${atFailure!.tip} (${atFailure!.batches} batches stored before the conflict was seen), conflict at ${heights[0]}`,
      );
    } finally {
      clearTimeout(timer);
      await manager.stop();
      await verifier.close();
    }
  }, 60_000);
});
