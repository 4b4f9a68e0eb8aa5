import {
  bytesEqual,
  createMemoryStateMachine,
  createSyncManager,
  MemoryChainStore,
  parseSyncConfig,
  SeededRandom,
  systemClock,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import { fastStrategy, incrementalStrategy, parallelStrategy } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  misbehave,
  readRawRequest,
  type ServedChain,
  servedChain,
  TestNet,
} from '../nodes.fixture.js';

const net = new TestNet();
afterEach(() => net.stopAll());

/** An empty store holding only genesis: a node about to sync `source`. */
async function genesisStore(source: ServedChain): Promise<MemoryChainStore> {
  const { anchor, genesis } = source.generated;
  const store = new MemoryChainStore();
  await store.initialize(
    {
      height: 0,
      hash: anchor.blockHash,
      view: genesis.header.view,
      epoch: genesis.header.epoch,
      timestampMs: genesis.header.timestampMs,
      stateRoot: genesis.header.stateRoot,
      validatorSet: anchor.validatorSet,
    },
    { height: 0, hash: anchor.blockHash, bytes: source.store.blockBytes(0)! },
  );
  return store;
}

describe('the SyncManager over real libp2p nodes', () => {
  it('parallel: syncs a 5,000-block chain from 3 serving nodes; the result equals the source chain', async () => {
    const source = await servedChain(5_000, 11, { epochLength: 2_000 });
    const { chainId, anchor } = source.generated;
    const servers = await Promise.all([1, 2, 3].map(() => net.node({ chainId, store: source.store })));

    const config = { strategy: { default: 'parallel' } } as const;
    const store = await genesisStore(source);
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(3),
      store,
    });
    const me = await net.node({ chainId, store, peers, config });
    for (const server of servers) await connect(me, server);

    const stateMachine = createMemoryStateMachine({ depth: 10 });
    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    const manager = createSyncManager({
      config,
      anchor,
      store,
      stateMachine,
      verifier,
      peers,
      network: me.sync,
      strategies: [parallelStrategy()],
      clock: systemClock,
    });
    peers.start();
    const started = Date.now();
    try {
      const outcome = await manager.start();
      const ms = Date.now() - started;
      expect(outcome).toMatchObject({ kind: 'synced', height: 5_000 });
      console.log(
        `synced 5,000 blocks over libp2p in ${ms} ms (${((5_000 * 1000) / ms).toFixed(0)} blocks/s)`,
      );
    } finally {
      await manager.stop();
      await verifier.close();
    }
    expect(store.tip()!.hash).toEqual(source.store.tip()!.hash);
    for (let h = 0; h <= 5_000; h += 1) {
      expect(bytesEqual(store.blockBytes(h)!, source.store.blockBytes(h)!)).toBe(true);
    }
    expect(bytesEqual(stateMachine.root(), source.store.tip()!.stateRoot)).toBe(true);
    // Every server did some of the work: selection spreads the ranges.
    const served = servers.map((s) => s.sync.stats().inbound.served.blocks_by_range);
    console.log('ranges served per node', served);
    expect(served.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a server that stalls times out and the ranges move to another peer', async () => {
    const source = await servedChain(600, 12);
    const { chainId, anchor } = source.generated;
    const honest = await net.node({ chainId, store: source.store });
    const staller = await net.node({ chainId, store: source.store });
    let stalled = 0;
    // Status and commit proofs as an honest node, but ranges are never answered.
    await misbehave(staller, 'blocks_by_range', async (stream) => {
      stalled++;
      await readRawRequest(stream);
    });
    const config = { strategy: { default: 'incremental' } } as const;
    const store = await genesisStore(source);
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(5),
    });
    const me = await net.node({
      chainId,
      store,
      peers,
      config,
      timeouts: { firstByteMs: 300, requestMs: 2_000 },
    });
    await connect(me, staller);
    await connect(me, honest);
    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    const manager = createSyncManager({
      config,
      anchor,
      store,
      stateMachine: createMemoryStateMachine({ depth: 10 }),
      verifier,
      peers,
      network: me.sync,
      strategies: [incrementalStrategy({ rangeSize: 32 })],
      clock: systemClock,
    });
    try {
      expect(await manager.start()).toMatchObject({ kind: 'synced', height: 600 });
    } finally {
      await manager.stop();
      await verifier.close();
    }
    expect(stalled).toBeGreaterThan(0);
    expect(peers.peer(staller.peerId)?.failures.timeout).toBe(stalled);
    expect(bytesEqual(store.tip()!.hash, source.store.tip()!.hash)).toBe(true);
  }, 30_000);

  it('fast: a snapshot, then the blocks above it, from 3 serving nodes', async () => {
    const source = await servedChain(1_200, 21, { snapshotHeights: [1_000] });
    const { chainId, anchor } = source.generated;
    const servers = await Promise.all([1, 2, 3].map(() => net.node({ chainId, store: source.store })));
    const config = { strategy: { default: 'fast' } } as const;
    const store = await genesisStore(source);
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(4),
    });
    const me = await net.node({ chainId, store, peers, config });
    for (const server of servers) await connect(me, server);
    const stateMachine = createMemoryStateMachine({ depth: 10 });
    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    const manager = createSyncManager({
      config,
      anchor,
      store,
      stateMachine,
      verifier,
      peers,
      network: me.sync,
      strategies: [fastStrategy(), parallelStrategy()],
      clock: systemClock,
    });
    try {
      expect(await manager.start()).toMatchObject({ kind: 'synced', height: 1_200 });
    } finally {
      await manager.stop();
      await verifier.close();
    }
    expect(manager.status().history.map((t) => t.to.name)).toContain('downloading-snapshot');
    expect(store.base()).toBe(1_000); // restarted at the snapshot: blocks below it were never fetched
    for (let h = 1_001; h <= 1_200; h++) {
      expect(bytesEqual(store.blockBytes(h)!, source.store.blockBytes(h)!)).toBe(true);
    }
    expect(bytesEqual(stateMachine.root(), source.store.tip()!.stateRoot)).toBe(true);
    const chunks = servers.reduce((n, s) => n + s.sync.stats().inbound.served.snapshot_chunk, 0);
    expect(chunks).toBeGreaterThan(0);
  }, 30_000);
});
