import { DecodeError, decodeBlock } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import {
  failureKind,
  fetchRange,
  resultOf,
  settle,
  testNet,
  trustedAt,
  verifierFor,
} from '../fixtures/sim.fixture.js';
import { garbage, oversized, truncated } from './malformed.js';

describe('garbage', () => {
  it('raw: every answer is refused by the wire codec (malformed-response)', async () => {
    const t = await testNet({ servers: { junk: [garbage()] } });
    const requests: Promise<unknown>[] = [
      t.client.status('junk'),
      t.client.blocksByRange('junk', { startHeight: 1, count: 4 }),
      t.client.blocksByHash('junk', [t.chain.blockHash(3)!]),
      t.client.commitProof('junk', 10),
      t.client.snapshotManifest('junk'),
    ];
    for (const request of requests)
      expect(failureKind(await settle(t.sim, request))).toBe('malformed-response');
  });

  it('payload: well-framed, so blocks reach the caller and fail structure.decode; other payloads fail the codec', async () => {
    const t = await testNet({ servers: { junk: [garbage({ mode: 'payload' })] } });
    const blocks = resultOf(
      await settle(t.sim, t.client.blocksByRange('junk', { startHeight: 1, count: 4 })),
    );
    expect(blocks).toHaveLength(4);
    expect(() => decodeBlock(blocks[0]!)).toThrow(DecodeError);
    const honest = await fetchRange(await testNet(), 'server', 1, 4);
    const verdict = await verifierFor(t.chain, t.sim).verifyRange({
      trusted: trustedAt(t.chain, 0),
      blocks: blocks.map((bytes) => ({ bytes, peer: 'junk' })),
      commitProof: { proof: honest.proof, peer: 'server' },
      mode: 'full',
    });
    expect(verdict.ok ? 'accepted' : [verdict.failure.check, verdict.failure.peer]).toEqual([
      'structure.decode',
      'junk',
    ]);
    expect(failureKind(await settle(t.sim, t.client.commitProof('junk', 10)))).toBe('malformed-response');
  });
});

describe('oversized', () => {
  it('message: announces a chunk over the limit; the client stops at the header (oversized-response)', async () => {
    const t = await testNet({ servers: { big: [oversized()] } });
    const before = t.client.traffic().big!.bytesReceived;
    const result = await settle(t.sim, t.client.blocksByRange('big', { startHeight: 1, count: 4 }));
    expect(failureKind(result)).toBe('oversized-response');
    // A 16 MiB chunk announced; about 1 KiB sent.
    expect(t.client.traffic().big!.bytesReceived - before).toBeLessThan(1_100);
  });

  it('items: one more item than the request allows (oversized-response)', async () => {
    const t = await testNet({ servers: { big: [oversized({ mode: 'items' })] } });
    expect(
      failureKind(await settle(t.sim, t.client.blocksByRange('big', { startHeight: 1, count: 4 }))),
    ).toBe('oversized-response');
    expect(failureKind(await settle(t.sim, t.client.commitProof('big', 10)))).toBe('oversized-response');
  });
});

describe('truncated', () => {
  it('fewer-blocks: serves the first half of each range, all of it honest', async () => {
    const t = await testNet({ servers: { short: [truncated()] } });
    const blocks = resultOf(
      await settle(t.sim, t.client.blocksByRange('short', { startHeight: 1, count: 10 })),
    );
    expect(blocks).toEqual([1, 2, 3, 4, 5].map((h) => t.chain.blockBytes(h)));
    expect(
      resultOf(await settle(t.sim, t.client.blocksByRange('short', { startHeight: 1, count: 1 }))),
    ).toHaveLength(1);
  });

  it('cut-stream: the response stops inside its last chunk (malformed-response)', async () => {
    const t = await testNet({ servers: { short: [truncated({ mode: 'cut-stream' })] } });
    expect(
      failureKind(await settle(t.sim, t.client.blocksByRange('short', { startHeight: 1, count: 10 }))),
    ).toBe('malformed-response');
    expect(failureKind(await settle(t.sim, t.client.status('short')))).toBe('malformed-response');
  });
});
