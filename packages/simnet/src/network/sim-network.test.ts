import {
  encodeRequest,
  encodeResponse,
  type PeerConnectionEvent,
  type RequestError,
  serveRequest,
} from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { withholding } from '../behaviours/timing.js';
import { failureKind, settle, testNet } from '../fixtures/sim.fixture.js';

const B = 100_000; // bytes per second
const LATENCY = 10;

/** Bytes of the honest answer to a range request. */
function responseSize(net: Awaited<ReturnType<typeof testNet>>, startHeight: number, count: number): number {
  const request = { method: 'blocks_by_range' as const, startHeight, count };
  return encodeResponse(
    serveRequest(net.chain.store, 'blocks_by_range', encodeRequest(request), { chainId: net.chain.chainId }),
  ).length;
}

describe('SimNetwork: latency and bandwidth', () => {
  it('delivers a response of S bytes over B bytes/s after S/B plus the latencies', async () => {
    const t = await testNet({ link: { latency: LATENCY, bandwidthBytesPerSec: B, loss: 0 } });
    const size = responseSize(t, 1, 40);
    const sent = t.sim.elapsedMs();
    const result = await settle(t.sim, t.client.blocksByRange('server', { startHeight: 1, count: 40 }));
    expect(result.ok && result.value).toHaveLength(40);
    // Request: 16 bytes (1 ms, rounded up) + latency; response: S/B rounded up + latency.
    expect(result.atMs - sent).toBe(1 + LATENCY + Math.ceil((size * 1000) / B) + LATENCY);
    const traffic = t.client.traffic().server!;
    expect(traffic).toMatchObject({ requestsSent: 2, responsesOk: 2, bytesReceived: expect.any(Number) });
    // The status exchange on connect and the range: every byte counted on both ends.
    expect(traffic.bytesReceived).toBe(t.net.endpoint('server').traffic().client!.bytesSent);
    expect(traffic.bytesSent).toBe(t.net.endpoint('server').traffic().client!.bytesReceived);
  });

  it('shares a link between concurrent transfers', async () => {
    const t = await testNet({ link: { latency: LATENCY, bandwidthBytesPerSec: B, loss: 0 } });
    const a = responseSize(t, 1, 40);
    const b = responseSize(t, 41, 40);
    const sent = t.sim.elapsedMs();
    const both = await settle(
      t.sim,
      Promise.all([
        t.client.blocksByRange('server', { startHeight: 1, count: 40 }),
        t.client.blocksByRange('server', { startHeight: 41, count: 40 }),
      ]),
    );
    // Two responses in flight on one direction of the link: together they take (a+b)/B.
    expect(both.atMs - sent).toBe(1 + LATENCY + Math.ceil(((a + b) * 1000) / B) + LATENCY);
  });

  it('gives every link its own bandwidth', async () => {
    const t = await testNet({
      link: { latency: LATENCY, bandwidthBytesPerSec: B, loss: 0 },
      servers: { s1: [], s2: [] },
    });
    const size = responseSize(t, 1, 40);
    const sent = t.sim.elapsedMs();
    const both = await settle(
      t.sim,
      Promise.all([
        t.client.blocksByRange('s1', { startHeight: 1, count: 40 }),
        t.client.blocksByRange('s2', { startHeight: 1, count: 40 }),
      ]),
    );
    expect(both.atMs - sent).toBe(1 + LATENCY + Math.ceil((size * 1000) / B) + LATENCY);
  });
});

describe('SimNetwork: every SyncNetwork method over the wire codec', () => {
  it('answers status, ranges, hashes, proofs, epoch changes and snapshots as the chain store holds them', async () => {
    const t = await testNet();
    const ask = async <T>(p: Promise<T>): Promise<T> => {
      const r = await settle(t.sim, p);
      if (!r.ok) throw r.error;
      return r.value;
    };
    expect((await ask(t.client.status('server'))).height).toBe(t.chain.tip.height);
    expect(await ask(t.client.blocksByRange('server', { startHeight: 3, count: 2 }))).toEqual([
      t.chain.blockBytes(3),
      t.chain.blockBytes(4),
    ]);
    expect(await ask(t.client.blocksByRange('server', { startHeight: 3, count: 0 }))).toEqual([]);
    expect(await ask(t.client.blocksByHash('server', [t.chain.blockHash(9)!]))).toEqual([
      t.chain.blockBytes(9),
    ]);
    expect((await ask(t.client.commitProof('server', 64))).header.height).toBe(64);
    const change = await ask(t.client.epochChangeProof('server', 0));
    expect([change.proof.header.height, change.block]).toEqual([50, t.chain.blockBytes(50)]);
    const manifest = await ask(t.client.snapshotManifest('server'));
    expect(manifest.height).toBe(60);
    const chunk = await ask(t.client.snapshotChunk('server', { stateRoot: manifest.stateRoot, index: 0 }));
    expect(() => t.chain.createStateMachine().verifyChunk(manifest, chunk)).not.toThrow();
    // The client's own limits are checked before anything is sent.
    await expect(t.client.blocksByHash('server', new Array(65).fill(new Uint8Array(32)))).rejects.toThrow(
      /at most 64/,
    );
  });
});

describe('SimNetwork: failures the client sees', () => {
  it('times out at the first-byte deadline when the peer never answers', async () => {
    const t = await testNet({
      servers: { server: [withholding()] },
      timeouts: { firstByteMs: 700, requestMs: 5000 },
    });
    const sent = t.sim.elapsedMs();
    const result = await settle(t.sim, t.client.commitProof('server', 10));
    expect(failureKind(result)).toBe('timeout');
    expect(result.atMs - sent).toBe(700);
    expect((result as { error: RequestError }).error.message).toMatch(/no response byte within 700 ms/);
  });

  it('times out at the request deadline when the first byte came but the rest is too slow', async () => {
    const t = await testNet({
      link: { latency: LATENCY, bandwidthBytesPerSec: 10_000, loss: 0 },
      timeouts: { firstByteMs: 500, requestMs: 2000 },
    });
    const sent = t.sim.elapsedMs();
    const result = await settle(t.sim, t.client.blocksByRange('server', { startHeight: 1, count: 100 }));
    expect(failureKind(result)).toBe('timeout');
    expect(result.atMs - sent).toBe(2000);
  });

  it('fails with aborted when the signal fires, and nothing arrives afterwards', async () => {
    const t = await testNet({ link: { latency: 50, bandwidthBytesPerSec: B, loss: 0 } });
    const controller = new AbortController();
    t.sim.clock.setTimeout(() => controller.abort(), 30);
    const sent = t.sim.elapsedMs();
    const result = await settle(
      t.sim,
      t.client.blocksByRange('server', { startHeight: 1, count: 10 }, controller.signal),
    );
    expect(failureKind(result)).toBe('aborted');
    expect(result.atMs - sent).toBe(30);
    const already = await settle(t.sim, t.client.status('server', controller.signal));
    expect(failureKind(already)).toBe('aborted');
    await t.sim.run({ deadlineMs: t.sim.clock.now() + 10_000 });
    expect(t.client.traffic().server!.failures).toEqual({ aborted: 2 });
  });

  it('fails in-flight requests with disconnected when the peer leaves, and refuses requests to it', async () => {
    const t = await testNet({ link: { latency: 50, bandwidthBytesPerSec: B, loss: 0 } });
    const events: PeerConnectionEvent[] = [];
    t.client.onPeerEvent((e) => events.push(e));
    t.sim.clock.setTimeout(() => t.net.leave('server'), 20);
    const result = await settle(t.sim, t.client.blocksByRange('server', { startHeight: 1, count: 10 }));
    expect(failureKind(result)).toBe('disconnected');
    expect(events).toEqual([{ type: 'disconnected', peer: 'server' }]);
    expect(t.client.connectedPeers()).toEqual([]);
    expect(failureKind(await settle(t.sim, t.client.status('server')))).toBe('disconnected');

    t.net.join('server');
    await t.sim.run({ deadlineMs: t.sim.clock.now() + 1000, until: () => events.length >= 3 });
    expect(events.slice(1).map((e) => e.type)).toEqual(['connected', 'status']);
    const status = events[2]!;
    expect(status.type === 'status' && status.status.height).toBe(t.chain.tip.height);
  });

  it('loses every message on a link with loss 1 (the client times out)', async () => {
    const t = await testNet({ timeouts: { firstByteMs: 300, requestMs: 1000 } });
    t.net.setLink('client', 'server', { loss: 1 });
    const result = await settle(t.sim, t.client.status('server'));
    expect(failureKind(result)).toBe('timeout');
  });
});

describe('SimNetwork: partitions', () => {
  it('closes connections across groups and reconnects them on heal', async () => {
    const t = await testNet({ servers: { a: [], b: [] } });
    const events: string[] = [];
    t.client.onPeerEvent((e) => events.push(`${e.type} ${e.peer}`));
    t.net.partition([['client', 'a'], ['b']]);
    expect(t.client.connectedPeers()).toEqual(['a']);
    expect(events).toEqual(['disconnected b']);
    expect(failureKind(await settle(t.sim, t.client.status('b')))).toBe('disconnected');
    t.net.heal();
    await t.sim.run({ deadlineMs: t.sim.clock.now() + 1000 });
    expect(t.client.connectedPeers()).toEqual(['a', 'b']);
    expect(events.slice(1)).toEqual(['connected b', 'status b']);
  });

  it('keeps connections open in a silent partition and drops what crosses it', async () => {
    const t = await testNet({ servers: { a: [], b: [] }, timeouts: { firstByteMs: 400, requestMs: 1000 } });
    t.net.partition([['client', 'a'], ['b']], 'silent');
    expect(t.client.connectedPeers()).toEqual(['a', 'b']);
    expect(failureKind(await settle(t.sim, t.client.status('b')))).toBe('timeout');
    expect(failureKind(await settle(t.sim, t.client.status('a')))).toBe('ok');
  });
});

describe('SimNetwork: determinism', () => {
  const run = async (seed: number) => {
    const t = await testNet({
      seed,
      recordTrace: true,
      servers: { a: [], b: [], c: [] },
      link: {
        latency: { baseMs: 20, jitterMs: 30, jitter: 'exponential' },
        bandwidthBytesPerSec: 200_000,
        loss: 0.2,
      },
      timeouts: { firstByteMs: 400, requestMs: 1500 },
    });
    const results = await settle(
      t.sim,
      Promise.allSettled(
        ['a', 'b', 'c'].flatMap((peer) =>
          [1, 30, 60, 90].map((startHeight) => t.client.blocksByRange(peer, { startHeight, count: 20 })),
        ),
      ),
    );
    return {
      at: results.atMs,
      trace: t.sim.trace.lines(),
      digest: t.sim.trace.digest(),
      traffic: t.client.traffic(),
    };
  };

  it('replays a seed exactly and schedules another seed differently', async () => {
    const [one, again, other] = [await run(11), await run(11), await run(12)];
    expect(again).toEqual(one);
    expect(other.digest).not.toBe(one.digest);
    // Loss and jitter really happened.
    expect(one.trace!.some((l) => l.endsWith(' lost'))).toBe(true);
    expect(
      new Set(one.trace!.filter((l) => l.includes(' ok ')).map((l) => l.split(' ')[0])).size,
    ).toBeGreaterThan(3);
  });
});
