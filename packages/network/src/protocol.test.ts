import {
  bytesEqual,
  type ChainStore,
  decodeResponse,
  encodeRequest,
  ManualClock,
  MemoryChainStore,
  RequestError,
  type ResponseChunk,
} from '@hotsync/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { okChunkHeader } from './framing.js';
import {
  connect,
  misbehave,
  rawRequest,
  readRawRequest,
  type ServedChain,
  servedChain,
  TestNet,
  type TestNode,
  until,
} from './nodes.fixture.js';

const net = new TestNet();
afterEach(() => net.stopAll());

let source: ServedChain;
beforeAll(async () => {
  source = await servedChain(400, 5, { epochLength: 150, snapshotHeights: [300] });
});

const chainId = () => source.generated.chainId;

async function pair(
  server: Partial<Parameters<TestNet['node']>[0]> = {},
  client: Partial<Parameters<TestNet['node']>[0]> = {},
): Promise<{ server: TestNode; client: TestNode }> {
  const s = await net.node({ chainId: chainId(), store: source.store, ...server });
  const c = await net.node({ chainId: chainId(), store: new MemoryChainStore(), ...client });
  await connect(c, s);
  return { server: s, client: c };
}

async function failure(promise: Promise<unknown>): Promise<RequestError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
  throw new Error('expected the request to fail');
}

describe('each result code over libp2p', () => {
  it('ok: every method answers what the store holds', async () => {
    const { server, client } = await pair();
    const peer = server.peerId;
    const blocks = await client.sync.blocksByRange(peer, { startHeight: 10, count: 120 });
    expect(blocks).toHaveLength(120);
    expect(blocks.every((b, i) => bytesEqual(b, source.store.blockBytes(10 + i)!))).toBe(true);

    const hashes = [source.generated.anchor.blockHash, new Uint8Array(32).fill(7)];
    const byHash = await client.sync.blocksByHash(peer, hashes);
    expect(byHash).toHaveLength(1); // unknown hashes are left out
    expect(bytesEqual(byHash[0]!, source.store.blockBytes(0)!)).toBe(true);

    const status = await client.sync.status(peer);
    expect(status.height).toBe(400);
    expect(status.snapshotHeight).toBe(300);
    const proof = await client.sync.commitProof(peer, status.height); // the reported height is provable
    expect(proof.header.height).toBe(400);

    const change = await client.sync.epochChangeProof(peer, 0);
    expect(change.proof.header.height).toBe(150);
    expect(bytesEqual(change.block, source.store.blockBytes(150)!)).toBe(true);

    const manifest = await client.sync.snapshotManifest(peer);
    expect(manifest.height).toBe(300);
    for (let index = 0; index < manifest.chunkCount; index++) {
      const chunk = await client.sync.snapshotChunk(peer, { stateRoot: manifest.stateRoot, index });
      expect(bytesEqual(chunk.data, source.store.snapshotChunk(manifest.stateRoot, index)!)).toBe(true);
    }
  });

  it('invalid-request: a count beyond the server limit is refused, and the asker is told why', async () => {
    const { server, client } = await pair({}, { limits: { maxBlocksPerRequest: 1_024 } });
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 1_000 }));
    expect(err.kind).toBe('invalid-request');
    expect(err.message).toMatch(/count 1000/);
    // Beyond our limits, but an honest peer with other limits could ask it: mid, not high.
    expect(server.peers.peer(client.peerId)?.failures['invalid-request']).toBe(1);
    expect(server.sync.stats().inbound.faults['over-limit']).toBe(1);
  });

  it('server-error: a store failure is answered, not thrown', async () => {
    const broken: ChainStore = Object.create(source.store, {
      blockRangeBytes: {
        value: () => {
          throw new Error('disk on fire');
        },
      },
    });
    const { server, client } = await pair({ store: broken });
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 4 }));
    expect(err.kind).toBe('server-error');
    expect(err.message).toMatch(/disk on fire/);
    // The server stays up and serves the rest.
    expect((await client.sync.status(server.peerId)).height).toBe(400);
  });

  it('unavailable: what the peer does not have', async () => {
    const { server, client } = await pair();
    expect((await failure(client.sync.commitProof(server.peerId, 9_999))).kind).toBe('unavailable');
    expect((await failure(client.sync.epochChangeProof(server.peerId, 7))).kind).toBe('unavailable');
    // The syncing node has no chain: its status is unavailable, yet it counts as a sync peer.
    expect((await failure(server.sync.status(client.peerId))).kind).toBe('unavailable');
    expect(server.sync.connectedPeers()).toContain(client.peerId);
  });

  it('rate-limited: over quota, with a retry-after and no penalty', async () => {
    const { server, client } = await pair({ rateLimits: { commit_proof: { perSecond: 2, burst: 2 } } });
    await client.sync.commitProof(server.peerId, 100);
    await client.sync.commitProof(server.peerId, 101);
    const err = await failure(client.sync.commitProof(server.peerId, 102));
    expect(err.kind).toBe('rate-limited');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(500);
    expect(server.peers.score(client.peerId)).toBe(0);
  });
});

describe('malformed and oversized requests (the server side)', () => {
  it('garbage bytes are answered invalid-request and the sender is penalized', async () => {
    const { server, client } = await pair();
    const garbage = new Uint8Array([0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const reply = await rawRequest(client, server, 'blocks_by_range', garbage);
    expect(decodeResponse(reply.bytes)).toMatchObject([{ code: 'invalid-request' }]);
    expect(server.sync.stats().inbound.faults.malformed).toBe(1);
    expect(server.peers.peer(client.peerId)?.failures['malformed-response']).toBe(1);
  });

  it('bytes after the request are malformed too', async () => {
    const { server, client } = await pair();
    const request = encodeRequest({ method: 'commit_proof', height: 5 });
    const reply = await rawRequest(
      client,
      server,
      'commit_proof',
      Buffer.concat([request, Buffer.from([1])]),
    );
    expect(decodeResponse(reply.bytes)).toMatchObject([{ code: 'invalid-request' }]);
    expect(server.sync.stats().inbound.faults.malformed).toBe(1);
  });

  it('an oversized request ends the stream at its length prefix', async () => {
    const { server, client } = await pair();
    const prefix = new Uint8Array([0, 0x10, 0, 0]); // 1 MiB announced; maxRequestBytes is 16 KiB
    const reply = await rawRequest(client, server, 'status', Buffer.concat([prefix, new Uint8Array(1_000)]));
    expect(reply.bytes).toHaveLength(0);
    expect(reply.error).toBeDefined();
    expect(server.sync.stats().inbound.faults.oversized).toBe(1);
    expect(server.peers.peer(client.peerId)?.failures['oversized-response']).toBe(1);
    // The connection and the node are fine.
    expect((await client.sync.status(server.peerId)).height).toBe(400);
  });

  it('a truncated request ends the stream and counts as the sender’s', async () => {
    const { server, client } = await pair();
    const request = encodeRequest({ method: 'blocks_by_range', startHeight: 1, count: 4 });
    const reply = await rawRequest(client, server, 'blocks_by_range', request.subarray(0, 9));
    expect(reply.bytes).toHaveLength(0);
    await until(() => server.sync.stats().inbound.faults.truncated === 1, 2_000, 'truncated fault');
  });

  it('a requester that never sends is cut off after inboundRequestMs', async () => {
    const { server, client } = await pair({ timeouts: { inboundRequestMs: 200 } });
    const started = Date.now();
    const reply = await rawRequest(client, server, 'status', new Uint8Array(0), { closeWrite: false });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reply.error).toBeDefined();
    expect(server.sync.stats().inbound.faults.timeout).toBe(1);
  });
});

describe('malformed, oversized and truncated responses (the client side)', () => {
  const answer = (bytes: Uint8Array | Uint8Array[]) => async (stream: import('@libp2p/interface').Stream) => {
    await readRawRequest(stream);
    for (const b of Array.isArray(bytes) ? bytes : [bytes]) stream.send(b);
    await stream.close();
  };

  it('garbage is malformed-response', async () => {
    const { server, client } = await pair();
    await misbehave(server, 'blocks_by_range', answer(new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9])));
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 3 }));
    expect(err.kind).toBe('malformed-response');
  });

  it('a response cut inside a chunk is malformed-response', async () => {
    const { server, client } = await pair();
    await misbehave(server, 'blocks_by_range', answer([okChunkHeader(1_000), new Uint8Array(10)]));
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 3 }));
    expect(err.kind).toBe('malformed-response');
    expect(err.message).toMatch(/ends inside a chunk/);
  });

  it('a chunk header beyond maxMessageBytes is refused before its payload is read', async () => {
    const { server, client } = await pair();
    await misbehave(server, 'blocks_by_range', answer(okChunkHeader(100 << 20)));
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 3 }));
    expect(err.kind).toBe('oversized-response');
  });

  it('more items than asked for is oversized-response', async () => {
    const { server, client } = await pair();
    const block = source.store.blockBytes(1)!;
    const chunk = Buffer.concat([okChunkHeader(block.length), block]);
    await misbehave(server, 'blocks_by_range', answer([chunk, chunk, chunk]));
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 2 }));
    expect(err.kind).toBe('oversized-response');
  });

  it('a response past maxResponseBytes is cut off as soon as it passes the limit', async () => {
    const { server, client } = await pair({}, { limits: { maxResponseBytes: 256 * 1024 } });
    await misbehave(server, 'blocks_by_range', async (stream) => {
      await readRawRequest(stream);
      const chunk = Buffer.concat([okChunkHeader(4_000), new Uint8Array(4_000)]);
      try {
        // 16 MB, far beyond the client's limit and the yamux window.
        for (let i = 0; i < 4_096; i++) if (!stream.send(chunk)) await stream.onDrain();
        await stream.close();
      } catch {
        // reset by the client: expected
      }
    });
    const before = client.sync.stats().outbound[server.peerId]!;
    const started = Date.now();
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 512 }));
    expect(err.kind).toBe('oversized-response');
    expect(err.message).toMatch(/exceeds 262144 bytes/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(client.sync.stats().outbound[server.peerId]!.failures).toBe(before.failures + 1);
    // The connection survives: the next request is served normally.
    expect((await client.sync.status(server.peerId)).height).toBe(400);
  });

  it('a status of another chain is malformed-response', async () => {
    const { server, client } = await pair();
    const other = await servedChain(5, 99);
    await misbehave(server, 'status', async (stream) => {
      await readRawRequest(stream);
      const { serveRequest } = await import('@hotsync/core');
      const chunks = serveRequest(other.store, 'status', encodeRequest({ method: 'status' }), {
        chainId: other.generated.chainId,
      });
      stream.send((await import('@hotsync/core')).encodeResponse(chunks as ResponseChunk[]));
      await stream.close();
    });
    const err = await failure(client.sync.status(server.peerId));
    expect(err.kind).toBe('malformed-response');
    expect(err.message).toMatch(/another chain/);
  });
});

describe('timeouts on the injected clock', () => {
  const stall = async (stream: import('@libp2p/interface').Stream) => {
    await readRawRequest(stream); // and never answer
  };

  it('no first byte: timeout after firstByteMs', async () => {
    const { server, client } = await pair({}, { timeouts: { firstByteMs: 300, requestMs: 5_000 } });
    await misbehave(server, 'blocks_by_range', stall);
    const started = Date.now();
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 3 }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/no response byte within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('silence between chunks: timeout after betweenChunksMs', async () => {
    const { server, client } = await pair(
      {},
      { timeouts: { firstByteMs: 2_000, betweenChunksMs: 300, requestMs: 5_000 } },
    );
    const block = source.store.blockBytes(1)!;
    await misbehave(server, 'blocks_by_range', async (stream) => {
      await readRawRequest(stream);
      stream.send(Buffer.concat([okChunkHeader(block.length), block])); // one block, then nothing
    });
    const err = await failure(client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 3 }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/stalled for 300 ms/);
  });

  it('deadlines follow the injected clock, not the wall clock', async () => {
    const clock = new ManualClock(Date.now());
    const { server, client } = await pair({}, { clock, timeouts: { firstByteMs: 1_000, requestMs: 60_000 } });
    await misbehave(server, 'commit_proof', stall);
    let settled = false;
    const pending = failure(client.sync.commitProof(server.peerId, 3)).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 300)); // real time passes: nothing fires
    expect(settled).toBe(false);
    clock.advance(1_000);
    const err = await pending;
    expect(err.kind).toBe('timeout');
  });

  it('an aborted signal ends the request as aborted', async () => {
    const { server, client } = await pair();
    await misbehave(server, 'commit_proof', stall);
    const controller = new AbortController();
    const pending = failure(client.sync.commitProof(server.peerId, 3, controller.signal));
    setTimeout(() => controller.abort(), 50);
    expect((await pending).kind).toBe('aborted');
  });

  it('a request to a peer that is not connected is disconnected', async () => {
    const { client } = await pair();
    expect((await failure(client.sync.status('12D3KooWNotConnected'))).kind).toBe('disconnected');
  });
});
