import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryChainStore,
  openLmdbChainStore,
  parseSyncConfig,
  SeededRandom,
  systemClock,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type ServedChain, servedChain, TestNet, until, untilSyncPeer } from './nodes.fixture.js';

const net = new TestNet();
afterEach(() => net.stopAll());

let source: ServedChain;
beforeAll(async () => {
  source = await servedChain(300, 3);
});
const chainId = () => source.generated.chainId;

describe('connection gating of banned peers', () => {
  it('a banned peer can connect neither way, and a ban closes a live connection', async () => {
    const server = await net.node({ chainId: chainId(), store: source.store });
    const client = await net.node({ chainId: chainId(), store: new MemoryChainStore() });
    await connect(client, server);

    server.peers.ban(client.peerId, 'test: forged blocks');
    await until(() => server.libp2p.getConnections().length === 0, 3_000, 'the ban to close the connection');
    await until(() => !client.sync.connectedPeers().includes(server.peerId), 3_000, 'the client to notice');
    expect(client.events.map((e) => e.type)).toContain('disconnected');

    // Inbound: the banned client dials and is refused after the handshake.
    await client.dial(server.multiaddrs()[0]!).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.libp2p.getConnections()).toHaveLength(0);
    expect(server.sync.connectedPeers()).not.toContain(client.peerId);

    // Outbound: the server never dials a banned peer.
    await expect(server.dial(client.multiaddrs()[0]!)).rejects.toThrow();
    expect(server.libp2p.getConnections()).toHaveLength(0);
  });

  it('a ban survives a restart (LMDB store, reopened)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-net-ban-'));
    try {
      const config = parseSyncConfig({});
      const client = await net.node({ chainId: chainId(), store: new MemoryChainStore() });

      const store1 = await openLmdbChainStore({ path: dir, noSync: true });
      const peers1 = createPeerManager({
        config,
        clock: systemClock,
        random: new SeededRandom(1),
        store: store1,
      });
      const server1 = await net.node({ chainId: chainId(), store: store1, peers: peers1 });
      peers1.ban(client.peerId, 'test: persisted ban');
      await server1.stop();
      await peers1.stop(); // waits for the ban write
      await store1.close();

      const store2 = await openLmdbChainStore({ path: dir, noSync: true });
      try {
        expect(store2.bans().map((b) => b.peer)).toContain(client.peerId);
        const peers2 = createPeerManager({
          config,
          clock: systemClock,
          random: new SeededRandom(2),
          store: store2,
        });
        const server2 = await net.node({ chainId: chainId(), store: store2, peers: peers2 });
        await client.dial(server2.multiaddrs()[0]!).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
        expect(server2.libp2p.getConnections()).toHaveLength(0);
        await expect(server2.dial(client.multiaddrs()[0]!)).rejects.toThrow();
        await server2.stop();
        await peers2.stop();
      } finally {
        await store2.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a `disconnect` from the peer manager closes the connection without banning', async () => {
    const server = await net.node({ chainId: chainId(), store: source.store });
    const client = await net.node({ chainId: chainId(), store: new MemoryChainStore() });
    await connect(client, server);
    // Eight mid faults take the score to about -40: past the disconnect threshold (-35), above the ban line (-50).
    for (let i = 0; i < 8; i++) {
      server.peers.recordOutcome(client.peerId, { kind: 'failure', failure: 'invalid-request' });
    }
    await until(() => server.libp2p.getConnections().length === 0, 3_000, 'the disconnect');
    expect(server.peers.isBanned(client.peerId)).toBe(false);
    await connect(client, server); // not banned: it may come back
  });
});

describe('status exchange', () => {
  it('on connect and periodically: statuses reach the peer manager and listeners', async () => {
    const server = await net.node({ chainId: chainId(), store: source.store });
    const client = await net.node({
      chainId: chainId(),
      store: new MemoryChainStore(),
      statusIntervalMs: 100,
    });
    await connect(client, server);
    await until(() => client.events.filter((e) => e.type === 'status').length >= 3, 3_000, 'three statuses');
    const types = client.events.map((e) => e.type);
    expect(types[0]).toBe('connected');
    const status = client.sync.peerStatus(server.peerId)!;
    expect(status.height).toBe(300);
    expect(client.peers.peer(server.peerId)?.status?.height).toBe(300);
    // The claimed height is provable: the commit proof for it is served.
    const proof = await client.sync.commitProof(server.peerId, status.height);
    expect(proof.header.height).toBe(status.height);
    expect(Buffer.from(status.blockHash)).toEqual(Buffer.from(source.store.tip()!.hash));
  });

  it('a disconnect is announced and leaves the peer book', async () => {
    const server = await net.node({ chainId: chainId(), store: source.store });
    const client = await net.node({ chainId: chainId(), store: new MemoryChainStore() });
    await connect(client, server);
    expect(client.peers.peer(server.peerId)?.connected).toBe(true);
    await server.stop();
    await until(() => client.events.some((e) => e.type === 'disconnected'), 3_000, 'disconnected');
    expect(client.sync.connectedPeers()).toEqual([]);
    expect(client.peers.peer(server.peerId)?.connected).toBe(false);
  });

  it('a node of another chain is connected but never a sync peer', async () => {
    const other = await servedChain(5, 99);
    const stranger = await net.node({ chainId: other.generated.chainId, store: other.store });
    const client = await net.node({ chainId: chainId(), store: new MemoryChainStore() });
    await client.dial(stranger.multiaddrs()[0]!);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.libp2p.getConnections()).toHaveLength(1);
    expect(client.sync.connectedPeers()).toEqual([]);
    expect(client.events).toEqual([]);
    expect(client.peers.peer(stranger.peerId)).toBeUndefined();
  });

  it('a syncing node without a chain is still a sync peer of the server', async () => {
    const server = await net.node({ chainId: chainId(), store: source.store });
    const client = await net.node({ chainId: chainId(), store: new MemoryChainStore() });
    await client.dial(server.multiaddrs()[0]!);
    await untilSyncPeer(server, client.peerId);
    expect(server.events).toEqual([{ type: 'connected', peer: client.peerId }]);
  });
});
