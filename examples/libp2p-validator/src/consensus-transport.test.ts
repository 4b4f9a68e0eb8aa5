import '@hotsync/network/polyfill';
import { MemoryChainStore, parseSyncConfig, SeededRandom, systemClock } from '@hotsync/core';
import { createHotsyncNode, type HotsyncNode } from '@hotsync/network';
import { createPeerManager } from '@hotsync/peers';
import { afterEach, describe, expect, it } from 'vitest';
import { consensusProtocolId, Libp2pConsensusTransport } from './consensus-transport.js';
import { PartitionSwitch } from './partition-switch.js';

const chainId = new Uint8Array(32).fill(0xab);
const nodes: HotsyncNode[] = [];
const transports: Libp2pConsensusTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.stop()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function node(
  partition?: PartitionSwitch,
): Promise<{ node: HotsyncNode; transport: Libp2pConsensusTransport }> {
  const config = parseSyncConfig({});
  const peers = createPeerManager({ config, clock: systemClock, random: new SeededRandom(nodes.length + 1) });
  const n = await createHotsyncNode({
    chainId,
    store: new MemoryChainStore(),
    peers,
    config,
    ...(partition && { connectionGater: partition.gater() }),
  });
  nodes.push(n);
  const transport = new Libp2pConsensusTransport(n.libp2p, { chainId, redialBackoffMs: 50 });
  await transport.start();
  transports.push(transport);
  return { node: n, transport };
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Libp2pConsensusTransport (real libp2p nodes on 127.0.0.1)', () => {
  it('delivers sends and broadcasts in order, named by the authenticated peer id', async () => {
    const a = await node();
    const b = await node();
    const c = await node();
    const got: Record<string, [string, number[]][]> = { b: [], c: [] };
    b.transport.subscribe((from, bytes) => got.b!.push([from, [...bytes]]));
    c.transport.subscribe((from, bytes) => got.c!.push([from, [...bytes]]));
    await a.node.dial(b.node.multiaddrs()[0]!);
    await a.node.dial(c.node.multiaddrs()[0]!);
    expect(a.transport.protocol).toBe(consensusProtocolId(chainId));
    expect(a.transport.protocol).toMatch(/^\/hotsync-example\/abababab\/consensus\/1$/);

    for (let i = 0; i < 50; i++) a.transport.send(b.node.peerId, Uint8Array.of(2, i));
    a.transport.broadcast(Uint8Array.of(1, 99));
    await until(() => got.b!.length === 51 && got.c!.length === 1);
    expect(got.b!.slice(0, 50).map(([, m]) => m[1])).toEqual([...Array(50).keys()]);
    expect(got.b![50]).toEqual([a.node.peerId, [1, 99]]);
    expect(got.c![0]).toEqual([a.node.peerId, [1, 99]]);
    expect(a.transport.stats()).toMatchObject({ sent: 52, dropped: 0 });
    expect(b.transport.stats().received).toBe(51);
  });

  it('drops what cannot be delivered while a peer is cut off, and delivers again after the heal', async () => {
    const cut = new PartitionSwitch();
    const a = await node();
    const b = await node(cut);
    const got: number[] = [];
    b.transport.subscribe((_from, bytes) => got.push(bytes[1]!));
    await a.node.dial(b.node.multiaddrs()[0]!);
    a.transport.send(b.node.peerId, Uint8Array.of(2, 1));
    await until(() => got.length === 1);

    cut.isolate();
    await b.node.libp2p.hangUp(a.node.libp2p.peerId);
    await until(() => a.node.libp2p.getConnections(b.node.libp2p.peerId).length === 0);
    a.transport.send(b.node.peerId, Uint8Array.of(2, 2)); // its dial is refused: dropped
    await until(() => a.transport.stats().dropped >= 1);

    cut.heal();
    await new Promise((r) => setTimeout(r, 100)); // past the redial back-off
    a.transport.send(b.node.peerId, Uint8Array.of(2, 3));
    await until(() => got.includes(3));
    expect(got).not.toContain(2);
  });
});
