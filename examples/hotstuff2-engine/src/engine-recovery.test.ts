import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbSafetyStore, VoteGuard } from '@hotsync/consensus-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalNetwork } from './local-network.js';
import { peekMessageType } from './message-codec.js';
import { LmdbPendingBlockStore } from './pending-store.js';
import { hashesByHeight, signersOf } from './scenario.fixture.js';
import { storedBlocks } from './verify-chain.js';

let net: LocalNetwork | undefined;
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await net?.stop();
  net = undefined;
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hs2-engine-'));
  dirs.push(dir);
  return dir;
}

describe('HotStuff-2 engine: pause, deliverCommitted, resume', () => {
  it.each(['its own store', 'the store the sync wrote into'])(
    'a validator paused for a while, given the committed blocks it missed (%s) and resumed, votes again',
    async (mode) => {
      net = await LocalNetwork.create({ seed: 21 });
      const [n0, , , n3] = net.nodes;
      await net.start();
      await net.runFor(500);
      await n3!.engine.pause('behind: sync');
      expect(n3!.stateMachine.height()).toBe(n3!.engine.committedHeight()); // speculation undone
      await net.runFor(5_000);
      const from = n3!.engine.committedHeight();
      const to = n0!.engine.committedHeight();
      expect(to - from).toBeGreaterThan(10);
      const missed = storedBlocks(n0!.store, from + 1, to);

      if (mode === 'the store the sync wrote into') {
        // What hotsync's SyncManager does before the coordinator delivers: state, then store.
        await n3!.stateMachine.applyBlocks(
          missed.map((b) => ({ height: b.header.height, transactions: b.payload })),
          'last',
        );
        await n3!.store.commitBatch({
          blocks: [...n0!.store.iterateBlocks(from + 1, to)],
          tip: n0!.store.tip()!,
          commitProof: n0!.store.commitProof(to)!,
        });
        await n3!.stateMachine.prune(to);
      }
      // In batches, as the SyncCoordinator hands them over.
      for (let i = 0; i < missed.length; i += 4) await n3!.engine.deliverCommitted(missed.slice(i, i + 4));
      expect(n3!.engine.committedHeight()).toBe(to);
      expect(n3!.store.tip()!.hash).toEqual(n0!.store.tip()!.hash);
      expect(n3!.stateMachine.root()).toEqual(n0!.store.tip()!.stateRoot);

      await n3!.engine.resume(to + 1);
      expect(n3!.engine.status().view).toBeGreaterThan(n3!.engine.safetyData().lastVotedView);
      await net.runFor(3_000);
      const later = storedBlocks(n0!.store, to + 1);
      expect(later.length).toBeGreaterThan(10);
      expect(later.some((b) => signersOf(b.justify).includes(3))).toBe(true);
      expect(later.some((b) => b.header.proposer === 3)).toBe(true);
      expect(hashesByHeight(n3!.store, to)).toEqual(
        new Map([...hashesByHeight(n0!.store, to)].filter(([h]) => h <= n3!.engine.committedHeight())),
      );
    },
  );

  it('refuses delivered blocks that do not continue the committed chain', async () => {
    net = await LocalNetwork.create({ seed: 22 });
    const [n0, , , n3] = net.nodes;
    await net.start();
    await net.runFor(300);
    await n3!.engine.pause('sync');
    await net.runFor(2_000);
    const from = n3!.engine.committedHeight();
    const missed = storedBlocks(n0!.store, from + 1, from + 4);
    await expect(n3!.engine.deliverCommitted(missed.slice(1))).rejects.toMatchObject({
      code: 'engine.delivery',
    });
    const forged = { ...missed[1]!, payload: [new Uint8Array([1, 2, 3])] };
    await expect(n3!.engine.deliverCommitted([missed[0]!, forged])).rejects.toMatchObject({
      code: 'engine.delivery',
    });
    expect(n3!.engine.committedHeight()).toBe(from);
    await n3!.engine.deliverCommitted(missed);
    expect(n3!.engine.committedHeight()).toBe(from + 4);
  });
});

describe('HotStuff-2 engine: restarts', () => {
  it('a restarted validator (same LMDB safety store) never votes at or below its last voted view', async () => {
    const path = await tempDir();
    let lmdb = LmdbSafetyStore.open(path);
    net = await LocalNetwork.create({ seed: 23, safetyStore: (i) => (i === 0 ? lmdb : undefined) });
    const n0 = net.nodes[0]!;
    const seenProposals: Uint8Array[] = [];
    n0.transport.subscribe((_from, bytes) => {
      if (peekMessageType(bytes) === 'proposal') seenProposals.push(bytes);
    });
    await net.start();
    await net.runFor(1_500);
    await n0.engine.stop();
    const last = n0.engine.safetyData().lastVotedView;
    expect(last).toBeGreaterThan(10);
    await lmdb.close();

    lmdb = LmdbSafetyStore.open(path);
    closers.push(() => lmdb.close());
    const guard = new VoteGuard(lmdb);
    expect(guard.safetyData()).toMatchObject({ lastVotedView: last });
    const engine = n0.restart({ voteGuard: guard });
    const votes: number[] = [];
    engine.on('voted', (e) => votes.push(e.view));
    await engine.start();
    expect(engine.status().view).toBeGreaterThan(last);
    // Every proposal it saw before the restart comes again (and nothing else): none may get a vote.
    const replay = net.hub.connect('replayer');
    net.hub.partition(
      [n0.id, replay.self],
      net.nodes.slice(1).map((n) => n.id),
    );
    for (const bytes of seenProposals) replay.send(n0.id, bytes);
    await net.runFor(200);
    expect(seenProposals.length).toBeGreaterThan(10);
    expect(votes).toEqual([]);
    net.hub.heal();

    await net.runFor(2_000);
    expect(votes.length).toBeGreaterThan(5);
    expect(Math.min(...votes)).toBeGreaterThan(last);
    const later = storedBlocks(net.nodes[1]!.store, n0.engine.committedHeight() - 5);
    expect(later.some((b) => signersOf(b.justify).includes(0))).toBe(true);
  });

  it('every validator restarting at once resumes from its LMDB safety and pending-block stores', async () => {
    const paths = await Promise.all([0, 1, 2, 3].map(() => tempDir()));
    const open = () => ({
      safety: paths.map((p) => LmdbSafetyStore.open(join(p, 'safety'))),
      pending: paths.map((p) => LmdbPendingBlockStore.open(join(p, 'pending'), { noSync: true })),
    });
    let stores = open();
    net = await LocalNetwork.create({
      seed: 24,
      safetyStore: (i) => stores.safety[i],
      pendingStore: (i) => stores.pending[i]!,
    });
    await net.start();
    await net.runFor(1_000);
    await net.stop();
    const before = net.nodes.map((n) => n.engine.committedHeight());
    const locks = net.nodes.map((n) => n.engine.safetyData().lockedView ?? 0);
    // The locks are above every committed block: only the kept pending blocks can extend them.
    for (const [i, n] of net.nodes.entries()) expect(locks[i]).toBeGreaterThan(n.store.tip()!.view);
    await Promise.all([...stores.safety, ...stores.pending].map((s) => s.close()));

    stores = open();
    closers.push(() =>
      Promise.all([...stores.safety, ...stores.pending].map((s) => s.close())).then(() => {}),
    );
    for (const [i, node] of net.nodes.entries()) {
      node.restart({ voteGuard: new VoteGuard(stores.safety[i]!), pendingBlocks: stores.pending[i]! });
    }
    await net.start();
    expect(net.nodes.every((n) => n.engine.status().pendingBlocks > 0)).toBe(true);
    await net.runFor(3_000);
    for (const [i, n] of net.nodes.entries())
      expect(n.engine.committedHeight()).toBeGreaterThan(before[i]! + 10);
    const reference = hashesByHeight(net.nodes[0]!.store, 1);
    for (const n of net.nodes.slice(1)) {
      for (const [height, hash] of hashesByHeight(n.store, 1)) {
        if (reference.has(height)) expect(hash).toBe(reference.get(height));
      }
    }
  });
});
