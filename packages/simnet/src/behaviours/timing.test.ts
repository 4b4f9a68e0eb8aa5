import { RequestError, type RequestFailureKind } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { failureKind, settle, testNet } from '../fixtures/sim.fixture.js';
import { flaky, slow, withholding } from './timing.js';

const LINK = { latency: 10, bandwidthBytesPerSec: 1_000_000, loss: 0 };

describe('slow', () => {
  it('delays every answer by its delay, and past the first-byte deadline the client times out', async () => {
    const timing = async (behaviours: Parameters<typeof testNet>[0]) => {
      const t = await testNet(behaviours);
      const sent = t.sim.elapsedMs();
      const result = await settle(t.sim, t.client.blocksByRange('server', { startHeight: 1, count: 10 }));
      return { kind: failureKind(result), ms: result.atMs - sent };
    };
    const honest = await timing({ link: LINK });
    const slowed = await timing({ link: LINK, servers: { server: [slow(300)] } });
    expect(slowed).toEqual({ kind: 'ok', ms: honest.ms + 300 });
    const tooSlow = await timing({
      link: LINK,
      servers: { server: [slow(2_000)] },
      timeouts: { firstByteMs: 1_000, requestMs: 5_000 },
    });
    expect(tooSlow).toEqual({ kind: 'timeout', ms: 1_000 });
  });

  it('composes: two slow behaviours add up', async () => {
    const t = await testNet({ link: LINK, servers: { a: [], b: [slow(100), slow(250)] } });
    const time = async (peer: string) => {
      const sent = t.sim.elapsedMs();
      return (await settle(t.sim, t.client.status(peer))).atMs - sent;
    };
    expect((await time('b')) - (await time('a'))).toBe(350);
  });
});

describe('flaky', () => {
  it('fails about its share of requests, in each of its ways, and answers the rest', async () => {
    const t = await testNet({
      link: LINK,
      servers: { server: [flaky(0.4)] },
      timeouts: { firstByteMs: 200, requestMs: 1_000 },
    });
    const kinds = new Map<RequestFailureKind | 'ok' | 'other', number>();
    const before = t.client.traffic().server!.failures; // the status exchange on connect may have failed too
    for (let i = 0; i < 300; i++) {
      const kind = failureKind(await settle(t.sim, t.client.commitProof('server', 10)));
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const failed = 300 - (kinds.get('ok') ?? 0);
    expect(failed).toBeGreaterThan(90);
    expect(failed).toBeLessThan(150);
    // Dropped requests time out; the others carry their result code.
    expect([...kinds.keys()].sort()).toEqual([
      'ok',
      'rate-limited',
      'server-error',
      'timeout',
      'unavailable',
    ]);
    const after = t.client.traffic().server!.failures;
    for (const [kind, n] of kinds)
      if (kind !== 'ok')
        expect((after[kind as RequestFailureKind] ?? 0) - (before[kind as RequestFailureKind] ?? 0)).toBe(n);
  });

  it('says how long to wait when it rate-limits', async () => {
    const t = await testNet({
      link: LINK,
      servers: { server: [flaky(1, { failures: ['rate-limited'], retryAfterMs: 1234 })] },
    });
    const result = await settle(t.sim, t.client.status('server'));
    expect(
      !result.ok && result.error instanceof RequestError && [result.error.kind, result.error.retryAfterMs],
    ).toEqual(['rate-limited', 1234]);
  });

  it('leaves methods outside its list alone', async () => {
    const t = await testNet({
      link: LINK,
      servers: { server: [flaky(1, { methods: ['blocks_by_range'] })] },
    });
    expect(failureKind(await settle(t.sim, t.client.commitProof('server', 10)))).toBe('ok');
  });
});

describe('withholding', () => {
  it('answers status but never sends blocks: the client times out at the first-byte deadline', async () => {
    const t = await testNet({
      link: LINK,
      servers: { server: [withholding()] },
      timeouts: { firstByteMs: 800, requestMs: 3_000 },
    });
    expect(failureKind(await settle(t.sim, t.client.status('server')))).toBe('ok');
    const sent = t.sim.elapsedMs();
    const result = await settle(t.sim, t.client.blocksByRange('server', { startHeight: 1, count: 10 }));
    expect([failureKind(result), result.atMs - sent]).toEqual(['timeout', 800]);
    // The request reached it: it accepted and kept quiet.
    expect(t.net.endpoint('server').traffic().client!.requestsServed).toBe(3); // connect status, status, range
  });
});
