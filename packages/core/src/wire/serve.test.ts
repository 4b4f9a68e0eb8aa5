import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBlock, encodeCommitProof, headerHash } from '../chain/codec.js';
import type { Hash } from '../chain/types.js';
import { bytesEqual } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import { createMemoryStateMachine } from '../state/index.js';
import { MemoryChainStore } from '../store/index.js';
import { type GeneratedChain, generateChain } from '../testing/index.js';
import { wireLimits } from './limits.js';
import type { WireMethod } from './methods.js';
import { decodeReply, encodeReply, type WireReply } from './reply.js';
import { encodeRequest, type WireRequest } from './request-codec.js';
import { encodeResponse } from './response-frame.js';
import { serveRequest } from './serve.js';
import { decodeStatusMessage, encodeStatusMessage } from './status-message.js';

const TIP = 60;
let chain: GeneratedChain;
let store: MemoryChainStore;

beforeAll(async () => {
  store = new MemoryChainStore();
  chain = await generateChain({
    seed: 3,
    blocks: TIP,
    batchSize: 16,
    epochLength: 25,
    snapshotHeights: [40],
    snapshotChunkBytes: 2048,
    store,
    stateMachine: createMemoryStateMachine({ depth: 6 }),
  });
});

/** Serves `request` from `from` and decodes the answer as a client would. */
function ask<M extends WireMethod>(
  request: WireRequest & { method: M },
  options: { from?: MemoryChainStore; limits?: ReturnType<typeof wireLimits> } = {},
): WireReply<M> {
  const chunks = serveRequest(options.from ?? store, request.method, encodeRequest(request), {
    chainId: chain.chainId,
    limits: options.limits,
  });
  return decodeReply<M>(request, encodeResponse(chunks), { limits: options.limits });
}

function value<M extends WireMethod>(reply: WireReply<M>) {
  if (!reply.ok) throw new Error(`unexpected ${reply.error.code}: ${reply.error.message}`);
  return reply.value;
}

const heights = (blocks: readonly Uint8Array[]) => blocks.map((b) => decodeBlock(b).header.height);

describe('serveRequest', () => {
  it('reports the status from the tip, the base and the newest snapshot', () => {
    const status = value(ask({ method: 'status' }));
    expect(bytesEqual(status.chainId, chain.chainId)).toBe(true);
    expect(status.status).toEqual({
      height: TIP,
      view: chain.tip.view,
      epoch: chain.tip.epoch,
      blockHash: chain.tip.hash,
      earliestHeight: 0,
      snapshotHeight: 40,
    });
  });

  it('serves the raw stored bytes of a range, cut by count and bytes', () => {
    const blocks = value(ask({ method: 'blocks_by_range', startHeight: 10, count: 20 }));
    expect(heights(blocks)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    blocks.forEach((b, i) => {
      expect(bytesEqual(b, store.blockBytes(10 + i)!)).toBe(true);
    });
    expect(heights(value(ask({ method: 'blocks_by_range', startHeight: TIP - 2, count: 20 })))).toEqual([
      TIP - 2,
      TIP - 1,
      TIP,
    ]);
    expect(value(ask({ method: 'blocks_by_range', startHeight: TIP + 1, count: 5 }))).toEqual([]);

    const three = [10, 11, 12].reduce((n, h) => n + 5 + store.blockBytes(h)!.length, 0);
    const small = wireLimits({
      maxBlocksPerResponse: 4,
      maxResponseBytes: three + 5 + store.blockBytes(13)!.length - 1,
    });
    expect(
      heights(value(ask({ method: 'blocks_by_range', startHeight: 10, count: 20 }, { limits: small }))),
    ).toEqual([10, 11, 12]);
    const fewer = wireLimits({ maxBlocksPerResponse: 4 });
    expect(
      value(ask({ method: 'blocks_by_range', startHeight: 10, count: 20 }, { limits: fewer })),
    ).toHaveLength(4);
  });

  it('serves blocks by hash in request order, leaving unknown hashes out', () => {
    const hashOf = (h: number): Hash => headerHash(decodeBlock(store.blockBytes(h)!).header);
    const hashes = [hashOf(7), new Uint8Array(32).fill(9), hashOf(3), hashOf(50)];
    expect(heights(value(ask({ method: 'blocks_by_hash', hashes })))).toEqual([7, 3, 50]);
  });

  it('serves stored commit proofs, derives others from the blocks above, and is unavailable otherwise', () => {
    const stored = value(ask({ method: 'commit_proof', height: TIP }));
    expect(bytesEqual(encodeCommitProof(stored), encodeCommitProof(chain.tipCommitProof))).toBe(true);
    const derived = value(ask({ method: 'commit_proof', height: 5 }));
    expect(derived.header.height).toBe(5);
    expect(store.commitProof(5)).toBeUndefined();
    expect(bytesEqual(headerHash(derived.header), headerHash(decodeBlock(store.blockBytes(5)!).header))).toBe(
      true,
    );
    const missing = ask({ method: 'commit_proof', height: TIP - 1 });
    // TIP-1 has no stored proof and no grandchild.
    expect(missing.ok ? 'ok' : missing.error.code).toBe('unavailable');
  });

  it('serves the end of an epoch: its commit proof and the block carrying the next set', () => {
    for (const [epoch, height] of [
      [0, 25],
      [1, 50],
    ] as const) {
      const change = value(ask({ method: 'epoch_change_proof', epoch }));
      expect(change.proof.header.height).toBe(height);
      expect(bytesEqual(change.block, store.blockBytes(height)!)).toBe(true);
      expect(decodeBlock(change.block).nextValidatorSet?.epoch).toBe(epoch + 1);
    }
    // Epoch 2 has not ended at the tip; epoch 9 never began.
    for (const epoch of [2, 9]) {
      const reply = ask({ method: 'epoch_change_proof', epoch });
      expect(reply.ok ? 'ok' : reply.error.code).toBe('unavailable');
    }
    const payload = encodeReply('epoch_change_proof', {
      proof: chain.tipCommitProof,
      block: new Uint8Array(0),
    })[0]!;
    expect(() => decodeReply({ method: 'epoch_change_proof', epoch: 0 }, encodeResponse([payload]))).toThrow(
      expect.objectContaining({ code: 'decode.truncated' }),
    );
  });

  it('serves the newest snapshot manifest and its chunks', () => {
    const manifest = value(ask({ method: 'snapshot_manifest' }));
    expect(manifest).toMatchObject({ height: 40, chunkCount: chain.snapshots[0]!.chunkCount });
    const chunk = value(ask({ method: 'snapshot_chunk', stateRoot: manifest.stateRoot, index: 1 }));
    expect(bytesEqual(chunk.data, store.snapshotChunk(manifest.stateRoot, 1)!)).toBe(true);
    const absent = ask({
      method: 'snapshot_chunk',
      stateRoot: manifest.stateRoot,
      index: manifest.chunkCount,
    });
    expect(absent.ok ? 'ok' : absent.error.code).toBe('unavailable');
  });

  it('answers a request that does not decode with invalid-request, and a store failure with server-error', () => {
    const chunks = serveRequest(store, 'blocks_by_range', Uint8Array.of(0, 0, 0, 1, 0), {
      chainId: chain.chainId,
    });
    expect(chunks).toEqual([
      { code: 'invalid-request', message: expect.stringMatching(/trailing|truncated/) },
    ]);
    const tooMany = encodeRequest({ method: 'blocks_by_range', startHeight: 0, count: 513 });
    expect(serveRequest(store, 'blocks_by_range', tooMany, { chainId: chain.chainId })[0]!.code).toBe(
      'invalid-request',
    );
    const broken = Object.create(store, {
      blockRangeBytes: {
        value: () => {
          throw new Error('disk on fire');
        },
      },
    }) as MemoryChainStore;
    const request = encodeRequest({ method: 'blocks_by_range', startHeight: 0, count: 1 });
    expect(serveRequest(broken, 'blocks_by_range', request, { chainId: chain.chainId })).toEqual([
      { code: 'server-error', message: 'disk on fire' },
    ]);
  });

  it('is unavailable on an empty store', () => {
    const empty = new MemoryChainStore();
    for (const request of [{ method: 'status' }, { method: 'snapshot_manifest' }] as const) {
      const reply = ask(request, { from: empty });
      expect(reply.ok ? 'ok' : reply.error.code).toBe('unavailable');
    }
  });
});

describe('replies', () => {
  it('round-trip status messages with and without a snapshot height', () => {
    fc.assert(
      fc.property(
        fc.record({
          height: fc.nat(),
          view: fc.nat(),
          epoch: fc.nat(),
          earliestHeight: fc.nat(),
          snapshotHeight: fc.option(fc.nat(), { nil: undefined }),
        }),
        (s) => {
          const { snapshotHeight, ...rest } = s;
          const status = {
            ...rest,
            blockHash: new Uint8Array(32).fill(1),
            ...(snapshotHeight === undefined ? {} : { snapshotHeight }),
          };
          const bytes = encodeStatusMessage({ chainId: new Uint8Array(32), status });
          expect(decodeStatusMessage(bytes).status).toEqual(status);
          for (let cut = 0; cut < bytes.length; cut++)
            expect(() => decodeStatusMessage(bytes.subarray(0, cut))).toThrow(DecodeError);
        },
      ),
      { numRuns: 30 },
    );
    const bad = encodeStatusMessage({
      chainId: new Uint8Array(32),
      status: { height: 1, view: 1, epoch: 0, blockHash: new Uint8Array(32), earliestHeight: 0 },
    });
    bad[bad.length - 1] = 2;
    expect(() => decodeStatusMessage(bad)).toThrow(expect.objectContaining({ code: 'decode.non-canonical' }));
  });

  it('refuse a single-item response with no item, two items, or a payload that does not decode', () => {
    const proof = encodeReply('commit_proof', chain.tipCommitProof)[0]!;
    const request: WireRequest & { method: 'commit_proof' } = { method: 'commit_proof', height: TIP };
    expect(() => decodeReply(request, new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'decode.length' }),
    );
    expect(() => decodeReply(request, encodeResponse([proof, proof]))).toThrow(
      expect.objectContaining({ code: 'decode.limit' }),
    );
    expect(() => decodeReply(request, encodeResponse([{ code: 'ok', payload: new Uint8Array(10) }]))).toThrow(
      DecodeError,
    );
    const limited = decodeReply(
      request,
      encodeResponse([{ code: 'rate-limited', retryAfterMs: 250, message: 'slow down' }]),
    );
    expect(limited).toEqual({
      ok: false,
      error: { code: 'rate-limited', retryAfterMs: 250, message: 'slow down' },
    });
  });

  it('refuse more blocks than were asked for', () => {
    const blocks = value(ask({ method: 'blocks_by_range', startHeight: 1, count: 3 }));
    const extra = encodeResponse(encodeReply('blocks_by_range', [...blocks, blocks[0]!]));
    expect(() => decodeReply({ method: 'blocks_by_range', startHeight: 1, count: 3 }, extra)).toThrow(
      expect.objectContaining({ limit: 'chunks' }),
    );
  });
});
