import { MemorySafetyStore, VoteGuard } from '@hotsync/consensus-adapter';
import {
  createMemoryStateMachine,
  deriveSigningKey,
  ManualClock,
  MemoryChainStore,
  makeValidatorSet,
  SeededRandom,
  taggedHash,
} from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HotStuff2Engine } from './engine.js';
import { createGenesis } from './genesis.js';
import { LocalNetwork } from './local-network.js';
import { MemoryHub } from './memory-transport.js';
import { decodeMessage, encodeMessage, peekMessageType } from './message-codec.js';
import { MESSAGE_TAG, type ProposalMessage } from './messages.js';
import { hashesByHeight, signersOf, verifyStoredProofs, watchQcs } from './scenario.fixture.js';
import { validatorNodeId } from './transport.js';
import { generatedTransactions } from './tx-source.js';
import { storedBlocks, verifyCommittedChain } from './verify-chain.js';

let net: LocalNetwork | undefined;
afterEach(async () => {
  await net?.stop();
  net = undefined;
});

function heights(network: LocalNetwork, indices = [0, 1, 2, 3]): number[] {
  return indices.map((i) => network.nodes[i]!.engine.committedHeight());
}

/** No two stores hold different blocks at one height. */
function expectSameChain(network: LocalNetwork, from: number, indices = [0, 1, 2, 3]): void {
  const reference = hashesByHeight(network.nodes[indices[0]!]!.store, from);
  for (const i of indices.slice(1)) {
    for (const [height, hash] of hashesByHeight(network.nodes[i]!.store, from)) {
      if (reference.has(height)) expect(hash, `node ${i} at height ${height}`).toBe(reference.get(height));
    }
  }
}

function expectOneBlockPerView(qcs: Map<number, Set<string>>): void {
  for (const [view, blocks] of qcs) expect(blocks.size, `QCs for view ${view}`).toBe(1);
}

describe('HotStuff-2 engine: four validators over MemoryTransport', () => {
  it('commit blocks continuously; every block verifies in full mode and its state root replays', async () => {
    net = await LocalNetwork.create({ seed: 11 });
    const start = net.chain.tip;
    const qcs = watchQcs(net.nodes.map((n) => n.engine));
    await net.start();
    const progress: number[] = [];
    for (let i = 0; i < 3; i++) {
      await net.runFor(1_000);
      progress.push(Math.min(...heights(net)));
    }
    // Every second of virtual time commits more (about one block per 50 ms round).
    expect(progress[0]!).toBeGreaterThan(start.height + 5);
    expect(progress[1]!).toBeGreaterThan(progress[0]! + 5);
    expect(progress[2]!).toBeGreaterThan(progress[1]! + 5);
    expectSameChain(net, start.height + 1);
    expectOneBlockPerView(qcs);

    const blocks = storedBlocks(net.nodes[0]!.store, start.height + 1);
    expect(blocks.some((b) => b.payload.length > 0)).toBe(true);
    expect(new Set(blocks.map((b) => b.header.proposer)).size).toBe(4); // round robin
    // In the happy path every view commits: consecutive views.
    expect(blocks.every((b, i) => i === 0 || b.header.view === blocks[i - 1]!.header.view + 1)).toBe(true);

    const history = await net.freshHistory();
    const verified = await verifyCommittedChain(
      net.nodes[0]!.store,
      start,
      net.chain.chainId,
      net.clock,
      history.stateMachine,
    );
    expect(verified).toEqual({ blocks: blocks.length, signatures: expect.any(Number) });
    expect(history.stateMachine.root()).toEqual(net.nodes[0]!.store.tip()!.stateRoot);
  });

  it.each([
    ['paused', (n: LocalNetwork) => n.nodes[1]!.engine.pause('silent leader')],
    ['partitioned', (n: LocalNetwork) => n.hub.isolate(n.nodes[1]!.id)],
  ])(
    'a silent leader (%s): views time out, the other three keep committing, views show the gaps',
    async (_, silence) => {
      net = await LocalNetwork.create({ seed: 12 });
      const live = [0, 2, 3];
      const qcs = watchQcs(live.map((i) => net!.nodes[i]!.engine));
      let timeouts = 0;
      for (const i of live) net.nodes[i]!.engine.on('timeout', () => timeouts++);
      await net.start();
      await net.runFor(500);
      await silence(net);
      await net.runFor(100);
      const before = Math.max(...heights(net, live));

      await net.runFor(8_000);
      const after = Math.min(...heights(net, live));
      expect(after).toBeGreaterThan(before + 10);
      expect(timeouts).toBeGreaterThan(5);
      expectSameChain(net, before, live);
      expectOneBlockPerView(qcs);

      const blocks = storedBlocks(net.nodes[0]!.store, before + 1, after);
      // Validator 1 leads every fourth view and proposes nothing: those views are gaps.
      expect(blocks.every((b) => b.header.proposer !== 1)).toBe(true);
      const gaps = blocks.filter((b, i) => i > 0 && b.header.view > blocks[i - 1]!.header.view + 1);
      expect(gaps.length).toBeGreaterThan(3);
      expect(blocks.some((b) => b.header.view % 4 === 1)).toBe(false);
      // Validator 1 signed none of the QCs formed while it was silent.
      for (const b of blocks.slice(1)) expect(signersOf(b.justify)).not.toContain(1);
      // Despite the gaps, each commit has a two-chain proof with consecutive views.
      const store = net!.nodes[0]!.store;
      const proofs = await verifyStoredProofs(store, before + 1, net!.chain.chainId, net!.clock);
      expect(proofs.failures).toEqual([]);
      expect(proofs.proofs).toBeGreaterThan(3);
      const history = await net!.freshHistory();
      const verified = await verifyCommittedChain(
        store,
        net!.chain.tip,
        net!.chain.chainId,
        net!.clock,
        history.stateMachine,
      );
      expect(verified).toMatchObject({ blocks: store.tip()!.height - net!.chain.tip.height });
    },
  );

  it('an isolated validator that comes back fetches the blocks it missed and votes again', async () => {
    net = await LocalNetwork.create({ seed: 13 });
    const n1 = net.nodes[1]!;
    await net.start();
    await net.runFor(500);
    net.hub.isolate(n1.id);
    await net.runFor(4_000);
    const missed = net.nodes[0]!.engine.committedHeight() - n1.engine.committedHeight();
    expect(missed).toBeGreaterThan(5);
    net.hub.heal();
    const healedAt = net.nodes[0]!.engine.committedHeight();

    const caughtUp = await net.runUntil(() => n1.engine.committedHeight() > healedAt + 5, 20_000);
    expect(caughtUp).toBe(true);
    expectSameChain(net, 1);
    const later = storedBlocks(net.nodes[0]!.store, healedAt + 3);
    expect(later.some((b) => signersOf(b.justify).includes(1))).toBe(true);
  });

  it('a replica behind in views catches up through new-views alone (view synchronization)', async () => {
    net = await LocalNetwork.create({ seed: 15 });
    const n3 = net.nodes[3]!;
    await net.start();
    await net.runFor(300);
    net.hub.isolate(n3.id);
    await net.runFor(3_000);
    const ahead = net.nodes[0]!.engine.status().view;
    expect(ahead).toBeGreaterThan(n3.engine.status().view + 10);
    // Heal, but let only new-views through: no proposal or QC can pull validator 3 forward.
    net.hub.heal();
    net.hub.setFilter((_from, _to, type) => ({ deliver: type === 'new-view' }));
    const reasons: string[] = [];
    n3.engine.on('view', (e) => reasons.push(e.reason));
    await net.runUntil(() => n3.engine.status().view >= ahead + 1, 5_000);
    expect(n3.engine.status().view).toBe(net.nodes[0]!.engine.status().view);
    expect(reasons[0]).toBe('new-view'); // a weak quorum of others was already there
    net.hub.setFilter(undefined);
    const committed = net.nodes[0]!.engine.committedHeight();
    await net.runFor(2_000);
    expect(n3.engine.committedHeight()).toBeGreaterThan(committed);
  });

  it('refuses garbage and forged messages without losing its step', async () => {
    net = await LocalNetwork.create({ seed: 17 });
    const n0 = net.nodes[0]!;
    const proposals: Uint8Array[] = [];
    n0.transport.subscribe((_from, bytes) => {
      if (peekMessageType(bytes) === 'proposal') proposals.push(bytes);
    });
    const rejected: string[] = [];
    n0.engine.on('rejected', (e) => rejected.push(`${e.type}: ${e.reason}`));
    await net.start();
    await net.runFor(500);
    const mallory = net.hub.connect('mallory');
    const original = decodeMessage(proposals[proposals.length - 1]!) as ProposalMessage;
    const h = original.block.header;
    // Another block for the same view, under the real leader's signature of the original.
    const forged = {
      ...original,
      block: { ...original.block, header: { ...h, timestampMs: h.timestampMs + 1 } },
    };
    mallory.send(n0.id, encodeMessage(forged));
    mallory.send(n0.id, new Uint8Array([MESSAGE_TAG.vote, 1, 2, 3]));
    const vote = {
      epoch: h.epoch,
      view: h.view + 3,
      height: h.height,
      blockHash: h.parentHash,
      phase: 'prepare' as const,
    };
    const leaderOfNext = (h.view + 4) % 4;
    net.nodes[leaderOfNext]!.engine.on('rejected', (e) => rejected.push(`${e.type}: ${e.reason}`));
    mallory.send(
      net.nodes[leaderOfNext]!.id,
      encodeMessage({ type: 'vote', vote, voter: 2, signature: new Uint8Array(64) }),
    );
    const before = n0.engine.committedHeight();
    await net.runFor(1_000);
    expect(rejected).toContain('proposal: bad proposer signature');
    expect(rejected).toContain('vote: bad signature');
    expect(rejected.some((r) => r.startsWith('undecodable:'))).toBe(true);
    expect(n0.engine.committedHeight()).toBeGreaterThan(before + 10);
    expectSameChain(net, 1);
  });

  it('a 2|2 partition commits nothing and forks nothing; after healing, progress resumes', async () => {
    net = await LocalNetwork.create({ seed: 14 });
    const qcs = watchQcs(net.nodes.map((n) => n.engine));
    await net.start();
    await net.runFor(1_000);
    const [a, b, c, d] = net.nodes.map((n) => n.id);
    net.hub.partition([a!, b!], [c!, d!]);
    await net.runFor(300); // what was in flight when the link broke lands or is lost
    const frozen = heights(net);

    await net.runFor(15_000);
    expect(heights(net)).toEqual(frozen);
    expect(net.nodes.every((n) => n.engine.status().consecutiveTimeouts >= 3)).toBe(true);
    expectSameChain(net, 1);

    net.hub.heal();
    const target = Math.max(...frozen) + 5;
    const resumed = await net.runUntil(() => Math.min(...heights(net!)) > target, 60_000);
    expect(resumed).toBe(true);
    expectSameChain(net, 1);
    expectOneBlockPerView(qcs);
    expect(net.nodes.every((n) => n.engine.status().consecutiveTimeouts === 0)).toBe(true);
  });
});

describe('HotStuff-2 engine: a node without a validator key', () => {
  it('follows and commits the same chain without voting; aborting its signal stops it', async () => {
    net = await LocalNetwork.create({ seed: 16 });
    const history = await net.freshHistory();
    const abort = new AbortController();
    const observer = new HotStuff2Engine({
      chainId: net.chain.chainId,
      store: history.store,
      stateMachine: history.stateMachine,
      transport: net.hub.connect('observer'),
      clock: net.clock,
      signal: abort.signal,
    });
    let votes = 0;
    observer.on('voted', () => votes++);
    await observer.start();
    await net.start();
    await net.runFor(2_000);
    expect(observer.status().validatorIndex).toBeUndefined();
    expect(votes).toBe(0);
    expect(observer.committedHeight()).toBeGreaterThan(net.chain.tip.height + 20);
    expect(observer.committedHeight()).toBeGreaterThanOrEqual(net.nodes[0]!.engine.committedHeight() - 2);
    const theirs = hashesByHeight(net.nodes[0]!.store, 1);
    for (const [height, hash] of hashesByHeight(history.store, 1)) {
      if (theirs.has(height)) expect(hash).toBe(theirs.get(height));
    }
    abort.abort();
    await observer.idle();
    expect(observer.status().lifecycle).toBe('stopped');
    const stoppedAt = observer.committedHeight();
    await net.runFor(500);
    expect(observer.committedHeight()).toBe(stoppedAt);
  });
});

describe('HotStuff-2 engine: a fresh chain from a genesis block', () => {
  it('validators certify genesis by voting for it, then commit on top of it', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const hub = new MemoryHub({ clock, delayMs: 5 });
    const chainId = taggedHash('hs2/test-chain/v1', new Uint8Array([1]));
    const keys = [0, 1, 2, 3].map((i) => deriveSigningKey('engine-genesis-test', i));
    const set = makeValidatorSet(
      0,
      keys.map((k) => ({ publicKey: k.publicKey, votingPower: 1n })),
    );
    const genesis = createGenesis({ chainId, validatorSet: set, timestampMs: clock.now() });
    const nodes = await Promise.all(
      keys.map(async (key, i) => {
        const store = new MemoryChainStore();
        await store.initialize(genesis.point, genesis.stored);
        const random = new SeededRandom(100 + i);
        const engine = new HotStuff2Engine({
          chainId,
          store,
          stateMachine: createMemoryStateMachine(),
          transport: hub.connect(validatorNodeId(key.publicKey)),
          key,
          voteGuard: new VoteGuard(new MemorySafetyStore()),
          transactions: generatedTransactions(random, { transactionsPerBlock: 2 }),
          clock,
          random,
          timing: { baseTimeoutMs: 400 },
          proposeDelayMs: 40,
        });
        return { engine, store };
      }),
    );
    await Promise.all(nodes.map((n) => n.engine.start()));
    for (let elapsed = 0; elapsed < 2_000; ) {
      await Promise.all(nodes.map((n) => n.engine.idle()));
      const next = clock.nextTimerAt();
      if (next === undefined) break;
      elapsed += next - clock.now();
      clock.advanceTo(next);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(nodes.map((n) => n.engine.stop()));
    const tip = nodes[0]!.engine.committedHeight();
    expect(tip).toBeGreaterThan(10);
    const first = storedBlocks(nodes[0]!.store, 1, 1)[0]!;
    expect(first.justify.vote).toMatchObject({ view: 0, height: 0, blockHash: genesis.point.hash });
    const verified = await verifyCommittedChain(
      nodes[0]!.store,
      genesis.point,
      chainId,
      clock,
      createMemoryStateMachine(),
    );
    expect(verified).toMatchObject({ blocks: tip });
  });
});
