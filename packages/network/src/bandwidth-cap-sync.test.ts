import {
  bytesEqual,
  createMemoryStateMachine,
  createSyncManager,
  MemoryChainStore,
  parseSyncConfig,
  SeededRandom,
  systemClock,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { createPeerManager } from '@hotsync/peers';
import { parallelStrategy } from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { afterEach, describe, expect, it } from 'vitest';
import { capAdmission } from './cap-admission.js';
import { connect, type ServedChain, TestNet } from './nodes.fixture.js';

/*
 * A low network.bandwidthCapBytesPerSec and honest servers' response deadline
 * (timeouts.inboundResponseMs): the parallel strategy keeps many large ranges in flight,
 * and an honest server aborts a response not read within its deadline. The capped client
 * must not ask for more than it can read in time, or it makes honest peers look broken.
 */

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

/*
 * Sized so the parallel strategy's responses cannot all be read in time: ~19 KB blocks
 * (8 puts of 3,000 bytes), ranges of at least 200 blocks (~3.8 MB each, more than the
 * client buffers: a server writes past its buffers only as we read), 3 MB/s for the whole
 * node, and servers that wait 1.5 s for a response to be read. Without admission control
 * several ~3.8 MB responses shared the 3 MB/s, every one took seconds, and the servers
 * cut them off.
 */
const BLOCKS = 1_000;
const VALUE_BYTES = 3_000;
const CAP = 3_000_000;
const INBOUND_RESPONSE_MS = 1_500;
const BATCH_SIZE_MIN = 200;

describe('a low bandwidth cap against honest servers with a response deadline', () => {
  it('syncs from 3 honest servers without their deadlines cutting reads off, and penalizes none', async () => {
    const served = new MemoryChainStore();
    const generated = await generateChain({
      seed: 31,
      blocks: BLOCKS,
      valueBytes: VALUE_BYTES,
      store: served,
      stateMachine: createMemoryStateMachine({ depth: 10 }),
    });
    const source: ServedChain = { generated, store: served };
    const { chainId, anchor } = source.generated;
    const timeouts = { inboundResponseMs: INBOUND_RESPONSE_MS } as const;
    const servers = await Promise.all(
      [1, 2, 3].map(() => net.node({ chainId, store: source.store, timeouts })),
    );
    const config = {
      strategy: { default: 'parallel' },
      performance: { batchSizeMin: BATCH_SIZE_MIN },
      network: { bandwidthCapBytesPerSec: CAP },
    } as const;
    const store = await genesisStore(source);
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(3),
      store,
    });
    const me = await net.node({ chainId, store, peers, config, timeouts });
    for (const server of servers) await connect(me, server);
    const stateMachine = createMemoryStateMachine({ depth: 10 });
    const verifier = createVerifier({ chainId, clock: systemClock, workers: 0 });
    const parallel = parallelStrategy();
    const manager = createSyncManager({
      config,
      anchor,
      store,
      stateMachine,
      verifier,
      peers,
      network: me.sync,
      strategies: [parallel],
      clock: systemClock,
    });
    peers.start();
    const chainBytes = Array.from(
      { length: BLOCKS },
      (_, i) => source.store.blockBytes(i + 1)!.length,
    ).reduce((a, b) => a + b, 0);
    const started = Date.now();
    let outcome: unknown;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    try {
      outcome = await Promise.race([
        manager.start(),
        new Promise((resolve) => {
          watchdog = setTimeout(() => resolve({ kind: 'still syncing after 40 s' }), 40_000);
        }),
      ]);
    } finally {
      clearTimeout(watchdog);
      await manager.stop();
      await verifier.close();
    }
    const ms = Date.now() - started;
    const cap = me.sync.options.bandwidthCap!;
    const outbound = me.sync.stats().outbound;
    const requests = servers.map((s) => outbound[s.peerId]!);
    // What the peer manager holds against each honest server, by kind ('aborted' is ours).
    const held = servers.map((s) => {
      const { aborted: _ours, ...kinds } = peers.peer(s.peerId)!.failures;
      return Object.fromEntries(Object.entries(kinds).filter(([, n]) => n > 0));
    });
    // What each server held against us: responses it cut off for not being read in time.
    const cutOff = servers.map((s) => s.sync.stats().inbound.faults.timeout);
    const run = parallel.stats();
    const strategyFigures = run && {
      requests: run.requests,
      retries: run.retries,
      hedges: run.hedges,
      bytesDownloaded: run.bytesDownloaded,
      ranges: [run.rangeSize.smallest, run.rangeSize.largest],
      maxInFlight: run.maxInFlight,
    };
    console.log(
      `cap ${CAP} B/s, servers' response window ${INBOUND_RESPONSE_MS} ms: ` +
        `${(outcome as { kind?: string }).kind} in ${ms} ms; chain ${chainBytes} bytes, cap read ${cap.stats().bytes}; ` +
        `requests ${requests.map((r) => r.requests).join('/')}, failed ${requests.map((r) => r.failures).join('/')}; ` +
        `held against servers ${JSON.stringify(held)}; responses cut off by servers ${cutOff.join('/')}; ` +
        `scores ${servers.map((s) => peers.score(s.peerId).toFixed(2)).join('/')}; bans ${peers.bans().length}; ` +
        `admission ${JSON.stringify(capAdmission(cap, INBOUND_RESPONSE_MS).stats())}; ` +
        `strategy ${JSON.stringify(strategyFigures)}`,
    );
    expect(outcome).toMatchObject({ kind: 'synced', height: BLOCKS });
    expect(bytesEqual(store.tip()!.hash, source.store.tip()!.hash)).toBe(true);
    expect(cutOff).toEqual([0, 0, 0]);
    expect(held).toEqual([{}, {}, {}]);
    expect(peers.bans()).toEqual([]);
    expect(servers.map((s) => peers.peer(s.peerId)!.ban)).toEqual([undefined, undefined, undefined]);
  }, 60_000);
});
