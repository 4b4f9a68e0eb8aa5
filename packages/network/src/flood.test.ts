import { MemoryChainStore, RequestError } from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, rawRequest, servedChain, TestNet } from './nodes.fixture.js';

const net = new TestNet();
afterEach(() => net.stopAll());

describe('inbound rate limits', () => {
  it('a flood above the quota gets rate-limited replies while another peer is still served', async () => {
    const source = await servedChain(300, 3);
    const chainId = source.generated.chainId;
    const server = await net.node({
      chainId,
      store: source.store,
      rateLimits: { blocks_by_range: { perSecond: 20, burst: 10 } },
    });
    const flooder = await net.node({ chainId, store: new MemoryChainStore() });
    const honest = await net.node({ chainId, store: new MemoryChainStore() });
    await connect(flooder, server);
    await connect(honest, server);

    // Waves of 4 at once (below the concurrency cap), as fast as they are answered: the quota decides.
    const results: PromiseSettledResult<Uint8Array[]>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      results.push(
        ...(await Promise.allSettled(
          [0, 1, 2, 3].map((i) =>
            flooder.sync.blocksByRange(server.peerId, { startHeight: 1 + wave * 4 + i, count: 8 }),
          ),
        )),
      );
    }
    const limited = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof RequestError && r.reason.kind === 'rate-limited',
    );
    const served = results.filter((r) => r.status === 'fulfilled');
    expect(served.length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThanOrEqual(40);
    expect(served.length + limited.length).toBe(80); // nothing else went wrong
    for (const r of limited) {
      const reason = (r as PromiseRejectedResult).reason as RequestError;
      expect(reason.retryAfterMs).toBeGreaterThan(0);
      expect(reason.message).toMatch(/quota exceeded/);
    }

    // Meanwhile the other peer has its own quota.
    const blocks = await honest.sync.blocksByRange(server.peerId, { startHeight: 1, count: 50 });
    expect(blocks).toHaveLength(50);

    // Asking too much is back-pressure, never a fault.
    expect(server.peers.score(flooder.peerId)).toBe(0);
    expect(server.peers.isBanned(flooder.peerId)).toBe(false);
    expect(server.sync.stats().inbound.rateLimited).toBe(limited.length);
  });

  it('more requests at once than allowed per peer are answered rate-limited', async () => {
    const source = await servedChain(300, 3);
    const chainId = source.generated.chainId;
    const server = await net.node({
      chainId,
      store: source.store,
      maxConcurrentInboundPerPeer: 2,
      timeouts: { inboundRequestMs: 1_000 },
    });
    const client = await net.node({ chainId, store: new MemoryChainStore() });
    await connect(client, server);
    // Two streams that never send their request hold both slots...
    const holders = [1, 2].map(() =>
      rawRequest(client, server, 'status', new Uint8Array(0), { closeWrite: false }),
    );
    await new Promise((r) => setTimeout(r, 100));
    // ...so a third request is told to come back shortly.
    const err = await client.sync.commitProof(server.peerId, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).kind).toBe('rate-limited');
    expect((err as RequestError).message).toMatch(/at once/);
    await Promise.all(holders); // cut off by inboundRequestMs
    expect((await client.sync.commitProof(server.peerId, 10)).header.height).toBe(10);
  });
});
