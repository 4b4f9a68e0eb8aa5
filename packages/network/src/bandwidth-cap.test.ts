import { ManualClock, MemoryChainStore, type SyncConfigInput } from '@hotsync/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capAdmission } from './cap-admission.js';
import { connect, type ServedChain, servedChain, TestNet, type TestNode } from './nodes.fixture.js';
import { resolveNetworkOptions } from './options.js';

/*
 * network.bandwidthCapBytesPerSec over real libp2p streams: the client reads its responses
 * no faster than the cap (on the injected clock), and its deadlines ignore the time it
 * holds itself back.
 */

const net = new TestNet();
afterEach(() => net.stopAll());

let source: ServedChain;
beforeAll(async () => {
  source = await servedChain(300, 11);
});

const TIMEOUTS = { firstByteMs: 1_000, betweenChunksMs: 500, requestMs: 2_000 } as const;

async function pair(
  clock: ManualClock,
  config: SyncConfigInput,
): Promise<{ server: TestNode; client: TestNode }> {
  const chainId = source.generated.chainId;
  const server = await net.node({ chainId, store: source.store });
  const client = await net.node({
    chainId,
    store: new MemoryChainStore(),
    clock,
    config,
    timeouts: TIMEOUTS,
    statusIntervalMs: 3_600_000, // no periodic status during the test: one request is measured
  });
  await connect(client, server);
  return { server, client };
}

/**
 * Runs `request` to its end, moving virtual time only while the client waits for budget:
 * every virtual ms that passes is throttling, so a deadline that counted it would fire.
 */
async function driveThrottled<T>(client: TestNode, clock: ManualClock, request: Promise<T>): Promise<T> {
  const cap = client.sync.options.bandwidthCap;
  let settled = false;
  const tracked = request.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined); // a failure is rethrown below, not reported as unhandled meanwhile
  const deadline = Date.now() + 20_000;
  while (!settled) {
    if (Date.now() > deadline)
      throw new Error('the throttled request did not finish within 20 s of real time');
    if (cap && cap.waiting > 0) clock.runNext();
    await new Promise((r) => setTimeout(r, 1));
  }
  return tracked;
}

describe('bandwidth cap over libp2p', () => {
  it('reads a response no faster than the cap, and completes although it outlasts every deadline', async () => {
    const capBytesPerSec = 50_000;
    const clock = new ManualClock(Date.now());
    const { server, client } = await pair(clock, { network: { bandwidthCapBytesPerSec: capBytesPerSec } });
    const cap = client.sync.options.bandwidthCap!;
    expect(cap.bytesPerSec).toBe(capBytesPerSec);
    const before = cap.stats().bytes; // the status exchange on connect went through the cap too
    const started = clock.now();
    const blocks = await driveThrottled(
      client,
      clock,
      client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 300 }),
    );
    const elapsedMs = clock.now() - started;
    expect(blocks).toHaveLength(300);
    expect(blocks.every((b, i) => Buffer.from(b).equals(source.store.blockBytes(i + 1)!))).toBe(true);
    const bytes = cap.stats().bytes - before;
    const traffic = client.sync.stats().outbound[server.peerId]!;
    expect(bytes).toBeGreaterThan(300 * 1_000);
    expect(bytes).toBeLessThanOrEqual(traffic.bytesReceived);
    // The cap held: B bytes took at least (B - burst) / cap of virtual time...
    expect(elapsedMs).toBeGreaterThanOrEqual(((bytes - cap.burstBytes) * 1000) / capBytesPerSec);
    // ...all of it spent waiting for budget, far past the request's own deadlines, and none fired.
    expect(elapsedMs).toBeGreaterThan(TIMEOUTS.requestMs + TIMEOUTS.betweenChunksMs + TIMEOUTS.firstByteMs);
    expect(traffic).toMatchObject({ ok: traffic.requests, failures: 0 });
    expect(cap.stats().waits).toBeGreaterThan(1);
    console.log(
      `bandwidth cap ${capBytesPerSec} B/s: ${bytes} bytes read in ${elapsedMs} virtual ms ` +
        `(${Math.round((bytes * 1000) / elapsedMs)} B/s), ${cap.stats().waits} waits`,
    );
  });

  it('requests asked together share one budget, each admitted once the cap can read it in time', async () => {
    const capBytesPerSec = 100_000;
    const clock = new ManualClock(Date.now());
    const { server, client } = await pair(clock, { network: { bandwidthCapBytesPerSec: capBytesPerSec } });
    const cap = client.sync.options.bandwidthCap!;
    const before = cap.stats().bytes;
    const started = clock.now();
    const ranges = await driveThrottled(
      client,
      clock,
      Promise.all(
        [1, 101, 201].map((startHeight) =>
          client.sync.blocksByRange(server.peerId, { startHeight, count: 100 }),
        ),
      ),
    );
    const elapsedMs = clock.now() - started;
    expect(ranges.map((r) => r.length)).toEqual([100, 100, 100]);
    const bytes = cap.stats().bytes - before;
    expect(bytes).toBeGreaterThan(300 * 1_000);
    expect(elapsedMs).toBeGreaterThanOrEqual(((bytes - cap.burstBytes) * 1000) / capBytesPerSec);
    expect(client.sync.stats().outbound[server.peerId]!.failures).toBe(0);
    // Each range is larger than half of what the cap reads within the servers' response
    // window (100 KB of 200 KB): they went one after another, not all at once.
    const admission = capAdmission(cap, client.sync.options.timeouts.inboundResponseMs);
    expect(admission.budgetBytes).toBe(100_000);
    expect(admission.stats()).toMatchObject({ queued: 2, inFlight: 0, owedBytes: 0 });
  });

  it('cap 0 (the default) reads without waiting: no virtual time passes', async () => {
    const clock = new ManualClock(Date.now());
    const { server, client } = await pair(clock, { network: { bandwidthCapBytesPerSec: 0 } });
    expect(client.sync.options.bandwidthCap).toBeUndefined();
    const started = clock.now();
    const blocks = await client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 300 });
    expect(blocks).toHaveLength(300);
    expect(clock.now()).toBe(started);
  });

  it('is built from the config, one per service, and only for a positive cap', () => {
    const base = { chainId: new Uint8Array(32), store: new MemoryChainStore() };
    expect(resolveNetworkOptions(base).bandwidthCap).toBeUndefined();
    const a = resolveNetworkOptions({ ...base, config: { network: { bandwidthCapBytesPerSec: 1_000_000 } } });
    const b = resolveNetworkOptions({ ...base, config: { network: { bandwidthCapBytesPerSec: 1_000_000 } } });
    expect(a.bandwidthCap?.bytesPerSec).toBe(1_000_000);
    expect(a.bandwidthCap).not.toBe(b.bandwidthCap);
  });
});
