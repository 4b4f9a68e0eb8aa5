import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBlock, hashOfEncodedBlock } from '../chain/codec.js';
import { bytesEqual } from '../encoding/bytes.js';
import { HotsyncError } from '../errors.js';
import type { BlockBatch, ChainStore, PeerBan, StoredSnapshot } from '../interfaces/chain-store.js';
import {
  type FixtureBlock,
  fixtureBatch,
  fixtureBlocks,
  fixtureChain,
  fixtureCheckpoint,
  fixtureCommitProof,
  fixtureGenesis,
  fixtureValidatorSet,
} from './blocks.fixture.js';
import { openLmdbChainStore } from './lmdb-chain-store.js';
import { MemoryChainStore } from './memory-chain-store.js';

/*
 * The ChainStore contract: one suite, run against every implementation. A store that
 * passes it can replace another without the sync code noticing.
 */

interface StoreHarness {
  open(): Promise<ChainStore>;
  /** Opens the same store again after close; undefined when the store keeps nothing. */
  readonly reopen: (() => Promise<ChainStore>) | undefined;
  cleanup(): void;
}

interface StoreKind {
  readonly name: string;
  /** Why the reopen test does not apply, when it does not. */
  readonly noReopenReason?: string;
  create(): StoreHarness;
}

const kinds: StoreKind[] = [
  {
    name: 'LmdbChainStore',
    create() {
      const dir = mkdtempSync(join(tmpdir(), 'hotsync-store-'));
      const open = () => openLmdbChainStore({ path: dir });
      return { open, reopen: open, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'MemoryChainStore',
    noReopenReason: 'a memory store keeps nothing after close',
    create() {
      return { open: async () => new MemoryChainStore(), reopen: undefined, cleanup: () => {} };
    },
  },
];

/** Awaits `promise` and returns the code of the HotsyncError it rejects with. */
async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HotsyncError) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

function thrownCode(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof HotsyncError) return error.code;
    throw error;
  }
  throw new Error('expected a throw');
}

/** What a store exposes, as plain data, to compare two moments or two stores. */
function contents(store: ChainStore, upTo: number) {
  const tip = store.tip();
  return {
    tip: tip && { height: tip.height, hash: tip.hash, epoch: tip.validatorSet.epoch },
    base: store.base(),
    blocks: [...store.iterateBlocks(0, upTo)].map((b) => ({ ...b })),
    proofs: Array.from({ length: upTo + 1 }, (_, h) => store.commitProof(h)),
    latestProof: store.latestCommitProofHeight(),
    sets: Array.from({ length: 8 }, (_, e) => store.validatorSet(e)),
    checkpoint: store.checkpoint(),
  };
}

describe.each(kinds)('ChainStore contract: $name', (kind) => {
  let harness: StoreHarness;
  let store: ChainStore;
  /** Genesis and 40 blocks, one epoch per 10 blocks (blocks 10, 20, 30, 40 carry the next set). */
  const chain = fixtureChain(40, { epochLength: 10, payloadBytes: 300 });
  const range = (from: number, to: number): FixtureBlock[] => chain.slice(from, to + 1);
  const genesis = chain[0]!;

  /** Initialized at genesis (with its block), then one batch per [from, to] pair. */
  async function fill(...batches: [number, number][]): Promise<void> {
    await store.initialize(genesis.tip, genesis.stored);
    for (const [from, to] of batches) await store.commitBatch(fixtureBatch(range(from, to)));
  }

  beforeEach(async () => {
    harness = kind.create();
    store = await harness.open();
  });

  afterEach(async () => {
    await store.close();
    harness.cleanup();
  });

  // ---- initialize -------------------------------------------------------------------

  it('starts empty: no tip, base, blocks, proofs, sets, checkpoint, bans or snapshots', () => {
    expect(store.tip()).toBeUndefined();
    expect(store.base()).toBeUndefined();
    expect(store.blockBytes(0)).toBeUndefined();
    expect(store.blockRangeBytes(0, 10)).toEqual([]);
    expect([...store.iterateBlocks(0, 100)]).toEqual([]);
    expect(store.latestCommitProofHeight()).toBeUndefined();
    expect(store.validatorSet(0)).toBeUndefined();
    expect(store.checkpoint()).toBeUndefined();
    expect(store.bans()).toEqual([]);
    expect(store.snapshots()).toEqual([]);
  });

  it('initialize sets base and tip to the anchor, stores its block, hash and validator set', async () => {
    await store.initialize(genesis.tip, genesis.stored);
    expect(store.tip()).toEqual(genesis.tip);
    expect(store.base()).toBe(0);
    expect(store.blockBytes(0)).toEqual(genesis.stored.bytes);
    expect(store.heightOfHash(genesis.stored.hash)).toBe(0);
    expect(store.validatorSet(0)).toEqual(fixtureValidatorSet(0));
  });

  it('initialize without an anchor block (a snapshot base): base is set, no block, the chain continues', async () => {
    const base = chain[15]!;
    await store.initialize(base.tip);
    expect(store.base()).toBe(15);
    expect(store.tip()).toEqual(base.tip);
    expect(store.blockBytes(15)).toBeUndefined();
    await store.commitBatch(fixtureBatch(range(16, 18)));
    expect(store.tip()?.height).toBe(18);
    // The base's hash is known without its block: a proof for it and a rollback to it are accepted.
    await store.putCommitProof(fixtureCommitProof(base));
    expect(store.commitProof(15)).toEqual(fixtureCommitProof(base));
    await store.rollbackTo(15, base.tip);
    expect(store.tip()).toEqual(base.tip);
    expect(store.blockBytes(16)).toBeUndefined();
  });

  it('store.already-initialized: a second initialize is refused', async () => {
    await store.initialize(genesis.tip, genesis.stored);
    expect(await rejectionCode(store.initialize(genesis.tip, genesis.stored))).toBe(
      'store.already-initialized',
    );
    expect(await rejectionCode(store.initialize(chain[5]!.tip))).toBe('store.already-initialized');
  });

  it('store.tip-mismatch: initialize with an anchor block that is not the tip', async () => {
    expect(await rejectionCode(store.initialize(genesis.tip, chain[1]!.stored))).toBe('store.tip-mismatch');
    expect(store.tip()).toBeUndefined();
  });

  it('store.not-initialized: writes that need a tip are refused before initialize', async () => {
    expect(await rejectionCode(store.commitBatch(fixtureBatch(range(1, 3))))).toBe('store.not-initialized');
    expect(await rejectionCode(store.putCommitProof(fixtureCommitProof(genesis)))).toBe(
      'store.not-initialized',
    );
    expect(await rejectionCode(store.rollbackTo(0, genesis.tip))).toBe('store.not-initialized');
    expect(store.tip()).toBeUndefined();
  });

  // ---- batches ----------------------------------------------------------------------

  it('appends batches: tip, blocks, hash index, commit proof, validator sets and checkpoint follow', async () => {
    await fill([1, 10], [11, 25]);
    const last = chain[25]!;
    expect(store.tip()).toEqual(last.tip);
    expect(store.base()).toBe(0);
    for (const b of range(0, 25)) {
      expect(store.blockBytes(b.stored.height)).toEqual(b.stored.bytes);
      expect(store.heightOfHash(b.stored.hash)).toBe(b.stored.height);
    }
    expect(store.blockBytes(26)).toBeUndefined();
    expect(store.commitProof(10)).toEqual(fixtureCommitProof(chain[10]!));
    expect(store.commitProof(25)).toEqual(fixtureCommitProof(last));
    expect(store.commitProof(24)).toBeUndefined();
    expect(store.latestCommitProofHeight()).toBe(25);
    // Blocks 10 and 20 ended epochs 0 and 1: their next sets were in the batches.
    expect(store.validatorSet(1)).toEqual(fixtureValidatorSet(1));
    expect(store.validatorSet(2)).toEqual(fixtureValidatorSet(2));
    expect(store.validatorSet(3)).toBeUndefined();
    expect(store.checkpoint()).toEqual(fixtureCheckpoint(last, 25));
    // The stored bytes are the canonical encoding of the block they claim to be.
    const decoded = decodeBlock(store.blockBytes(25)!);
    expect(decoded.header.height).toBe(25);
    expect(hashOfEncodedBlock(store.blockBytes(25)!)).toEqual(last.stored.hash);
  });

  it('a batch without proof, sets or checkpoint moves only blocks and tip', async () => {
    await fill([1, 5]);
    const checkpoint = store.checkpoint();
    await store.commitBatch({ blocks: range(6, 8).map((b) => b.stored), tip: chain[8]!.tip });
    expect(store.tip()).toEqual(chain[8]!.tip);
    expect(store.latestCommitProofHeight()).toBe(5);
    expect(store.checkpoint()).toEqual(checkpoint);
  });

  it('store.height-gap: a batch that does not start at tip+1 or is not consecutive', async () => {
    await fill([1, 5]);
    expect(await rejectionCode(store.commitBatch(fixtureBatch(range(7, 9))))).toBe('store.height-gap');
    const skipping: BlockBatch = {
      blocks: [chain[6]!.stored, chain[8]!.stored],
      tip: chain[8]!.tip,
    };
    expect(await rejectionCode(store.commitBatch(skipping))).toBe('store.height-gap');
    const repeating: BlockBatch = { blocks: [chain[6]!.stored, chain[6]!.stored], tip: chain[6]!.tip };
    expect(await rejectionCode(store.commitBatch(repeating))).toBe('store.height-gap');
  });

  it('store.below-tip: a batch at or below the tip', async () => {
    await fill([1, 5]);
    expect(await rejectionCode(store.commitBatch(fixtureBatch(range(5, 7))))).toBe('store.below-tip');
    expect(await rejectionCode(store.commitBatch(fixtureBatch(range(2, 3))))).toBe('store.below-tip');
    const fork = fixtureBlocks(chain[4]!, 2, { salt: 'fork', epochLength: 10, payloadBytes: 300 });
    expect(await rejectionCode(store.commitBatch(fixtureBatch(fork)))).toBe('store.below-tip');
  });

  it('store.tip-mismatch: batch.tip is not the last block (height or hash)', async () => {
    await fill([1, 5]);
    const blocks = range(6, 8).map((b) => b.stored);
    expect(await rejectionCode(store.commitBatch({ blocks, tip: chain[7]!.tip }))).toBe('store.tip-mismatch');
    const otherHash = { ...chain[8]!.tip, hash: chain[7]!.stored.hash };
    expect(await rejectionCode(store.commitBatch({ blocks, tip: otherHash }))).toBe('store.tip-mismatch');
  });

  it('store.unknown-height: a batch whose commit proof is for a block neither stored nor in the batch', async () => {
    await fill([1, 5]);
    const batch = { ...fixtureBatch(range(6, 8)), commitProof: fixtureCommitProof(chain[9]!) };
    expect(await rejectionCode(store.commitBatch(batch))).toBe('store.unknown-height');
  });

  it('a refused batch leaves every table as it was', async () => {
    await fill([1, 9]);
    const before = contents(store, 20);
    // Everything in it is valid except the proof, which the checks reach last.
    const batch = { ...fixtureBatch(range(10, 14)), commitProof: fixtureCommitProof(chain[15]!) };
    expect(await rejectionCode(store.commitBatch(batch))).toBe('store.unknown-height');
    expect(contents(store, 20)).toEqual(before);
    for (const b of range(10, 14)) expect(store.heightOfHash(b.stored.hash)).toBeUndefined();
    // ...and the next valid batch still appends.
    await store.commitBatch(fixtureBatch(range(10, 14)));
    expect(store.tip()?.height).toBe(14);
  });

  it('a batch becomes visible all at once: a reader polling every turn only ever sees whole batches', async () => {
    await fill([1, 5]);
    const observations: ReturnType<typeof contents>[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        observations.push(contents(store, 40));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (const [from, to] of [
        [6, 12],
        [13, 19],
        [20, 27],
        [28, 33],
        [34, 40],
      ] as const) {
        const prior = contents(store, 40);
        const write = store.commitBatch(fixtureBatch(range(from, to)));
        // Writes are asynchronous: in the turn that issued it, nothing of the batch shows.
        expect(contents(store, 40)).toEqual(prior);
        await write;
        const after = contents(store, 40);
        expect(after.tip?.height).toBe(to);
        expect(after.blocks).toHaveLength(to + 1);
        // Let the reader run between batches too (the memory store's writes take no I/O time).
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      writing = false;
      await reader;
    }
    const tipsSeen = new Set(observations.map((seen) => seen.tip!.height));
    expect(tipsSeen.size).toBeGreaterThan(1);
    for (const seen of observations) {
      // Whatever the tip, everything its batch wrote is there and nothing beyond it.
      const h = seen.tip!.height;
      expect([5, 12, 19, 27, 33, 40]).toContain(h);
      expect(seen.blocks.map((b) => b.height)).toEqual(Array.from({ length: h + 1 }, (_, i) => i));
      expect(seen.latestProof).toBe(h);
      expect(seen.proofs[h]).toBeDefined();
      expect(seen.checkpoint?.height).toBe(h);
      // Epoch sets 0..floor(h/10): genesis's, then one per epoch-ending block at or below h.
      expect(seen.sets.map((set) => set !== undefined)).toEqual(
        Array.from({ length: 8 }, (_, e) => e <= Math.floor(h / 10)),
      );
    }
  });

  it('writes are queued: each is checked against the state the previous ones left', async () => {
    await fill([1, 5]);
    // Issued together; the second is only valid once the first has been applied.
    const first = store.commitBatch(fixtureBatch(range(6, 10)));
    const second = store.commitBatch(fixtureBatch(range(11, 15)));
    const duplicate = store.commitBatch(fixtureBatch(range(11, 15)));
    const gap = store.commitBatch(fixtureBatch(range(20, 22)));
    await first;
    await second;
    expect(await rejectionCode(duplicate)).toBe('store.below-tip');
    expect(await rejectionCode(gap)).toBe('store.height-gap');
    expect(store.tip()).toEqual(chain[15]!.tip);
  });

  // ---- reads ------------------------------------------------------------------------

  it('blockRangeBytes: raw bytes from a height, bounded by count and bytes, at least one block', async () => {
    await fill([1, 20]);
    const bytesOf = (from: number, to: number) => range(from, to).map((b) => b.stored.bytes);
    expect(store.blockRangeBytes(3, 5)).toEqual(bytesOf(3, 7));
    expect(store.blockRangeBytes(18, 10)).toEqual(bytesOf(18, 20));
    expect(store.blockRangeBytes(21, 10)).toEqual([]);
    expect(store.blockRangeBytes(3, 0)).toEqual([]);
    const size = chain[5]!.stored.bytes.length;
    // Three blocks fit in three sizes; a byte less fits two.
    expect(store.blockRangeBytes(5, 10, 3 * size)).toHaveLength(3);
    expect(store.blockRangeBytes(5, 10, 3 * size - 1)).toHaveLength(2);
    // A limit below one block still returns one: a peer must always make progress.
    expect(store.blockRangeBytes(5, 10, 1)).toEqual(bytesOf(5, 5));
    expect(store.blockRangeBytes(5, 10, 0)).toEqual(bytesOf(5, 5));
    expect(thrownCode(() => store.blockRangeBytes(-1, 10))).toBe('arg.not-safe-integer');
    expect(thrownCode(() => store.blockRangeBytes(0, 10, -1))).toBe('arg.out-of-range');
  });

  it('blockRangeBytes stops at the first missing height', async () => {
    const base = chain[10]!;
    await store.initialize(base.tip); // no block at the base
    await store.commitBatch(fixtureBatch(range(11, 14)));
    expect(store.blockRangeBytes(10, 10)).toEqual([]);
    expect(store.blockRangeBytes(9, 10)).toEqual([]);
    expect(store.blockRangeBytes(12, 10)).toHaveLength(3);
  });

  it('iterateBlocks yields the stored blocks in [from, to], ascending, and can be iterated again', async () => {
    await fill([1, 12]);
    const iterable = store.iterateBlocks(4, 8);
    const heights = [...iterable].map((b) => b.height);
    expect(heights).toEqual([4, 5, 6, 7, 8]);
    expect([...iterable].map((b) => b.height)).toEqual(heights);
    for (const b of store.iterateBlocks(0, 12)) {
      expect(b.hash).toEqual(chain[b.height]!.stored.hash);
      expect(b.bytes).toEqual(chain[b.height]!.stored.bytes);
    }
    expect([...store.iterateBlocks(10, Number.MAX_SAFE_INTEGER)].map((b) => b.height)).toEqual([10, 11, 12]);
    expect([...store.iterateBlocks(8, 4)]).toEqual([]);
    expect([...store.iterateBlocks(13, 20)]).toEqual([]);
  });

  it('returned bytes stay intact after later reads and writes', async () => {
    await fill([1, 10]);
    const kept = store.blockBytes(3)!;
    const keptRange = store.blockRangeBytes(1, 5);
    const keptIterated = [...store.iterateBlocks(6, 8)];
    const keptTip = store.tip()!;
    for (let h = 0; h <= 10; h++) store.blockBytes(h);
    store.blockRangeBytes(0, 11);
    await store.commitBatch(fixtureBatch(range(11, 15)));
    store.tip();
    expect(kept).toEqual(chain[3]!.stored.bytes);
    expect(keptRange).toEqual(range(1, 5).map((b) => b.stored.bytes));
    expect(keptIterated.map((b) => b.bytes)).toEqual(range(6, 8).map((b) => b.stored.bytes));
    expect(keptTip).toEqual(chain[10]!.tip);
  });

  it('what a caller passed can be reused by it after the write without changing the store', async () => {
    await store.initialize(genesis.tip, genesis.stored);
    const blocks = range(1, 3).map((b) => ({ ...b.stored, bytes: b.stored.bytes.slice() }));
    await store.commitBatch({ blocks, tip: chain[3]!.tip });
    for (const b of blocks) b.bytes.fill(0);
    expect(store.blockBytes(2)).toEqual(chain[2]!.stored.bytes);
  });

  it('heightOfHash finds every stored block and nothing else', async () => {
    await fill([1, 6]);
    for (const b of range(0, 6)) expect(store.heightOfHash(b.stored.hash)).toBe(b.stored.height);
    expect(store.heightOfHash(chain[7]!.stored.hash)).toBeUndefined();
    expect(store.heightOfHash(new Uint8Array(32))).toBeUndefined();
    expect(store.heightOfHash(new Uint8Array(5))).toBeUndefined();
  });

  // ---- rollback ---------------------------------------------------------------------

  it('rollbackTo removes blocks, hash entries, proofs, later sets and a later checkpoint; a fork then continues', async () => {
    await fill([1, 10], [11, 15], [16, 25]);
    const keep = chain[12]!;
    await store.rollbackTo(12, keep.tip);
    expect(store.tip()).toEqual(keep.tip);
    expect(store.blockBytes(12)).toEqual(keep.stored.bytes);
    for (const b of range(13, 25)) {
      expect(store.blockBytes(b.stored.height)).toBeUndefined();
      expect(store.heightOfHash(b.stored.hash)).toBeUndefined();
    }
    expect(store.blockRangeBytes(10, 100)).toHaveLength(3);
    expect(store.commitProof(10)).toBeDefined();
    expect(store.commitProof(15)).toBeUndefined();
    expect(store.commitProof(25)).toBeUndefined();
    expect(store.latestCommitProofHeight()).toBe(10);
    // Block 20 (removed) taught epoch 2's set; epoch 1's came from block 10, which stays.
    expect(store.validatorSet(1)).toEqual(fixtureValidatorSet(1));
    expect(store.validatorSet(2)).toBeUndefined();
    expect(store.checkpoint()).toBeUndefined();

    const fork = fixtureBlocks(keep, 10, { salt: 'fork', epochLength: 10, payloadBytes: 300 });
    await store.commitBatch(fixtureBatch(fork));
    const forkTip = fork[fork.length - 1]!;
    expect(store.tip()).toEqual(forkTip.tip);
    expect(store.blockBytes(22)).toEqual(forkTip.stored.bytes);
    expect(store.heightOfHash(forkTip.stored.hash)).toBe(22);
    expect(store.heightOfHash(chain[22]!.stored.hash)).toBeUndefined();
    expect(store.validatorSet(2)).toEqual(fixtureValidatorSet(2));
    expect(store.checkpoint()?.height).toBe(22);
  });

  it('rebase drops every block and proof, restarts at the verified block, keeps sets and bans; the chain continues', async () => {
    await fill([1, 10], [11, 15]);
    await store.putBan({ peer: 'p', reason: 'r', sinceMs: 1, untilMs: 2 });
    const base = chain[30]!;
    const proof = fixtureCommitProof(base);
    await store.rebase(base.tip, base.stored, proof);
    expect(store.tip()).toEqual(base.tip);
    expect(store.base()).toBe(30);
    expect(store.blockBytes(30)).toEqual(base.stored.bytes);
    expect(store.heightOfHash(base.stored.hash)).toBe(30);
    for (const b of range(0, 15)) {
      expect(store.blockBytes(b.stored.height)).toBeUndefined();
      expect(store.heightOfHash(b.stored.hash)).toBeUndefined();
      expect(store.commitProof(b.stored.height)).toBeUndefined();
    }
    expect(store.commitProof(30)).toEqual(proof);
    expect(store.latestCommitProofHeight()).toBe(30);
    expect(store.checkpoint()).toBeUndefined();
    expect(store.validatorSet(1)).toEqual(fixtureValidatorSet(1));
    expect(store.validatorSet(3)).toEqual(base.tip.validatorSet);
    expect(store.bans()).toHaveLength(1);
    await store.commitBatch(fixtureBatch(range(31, 35)));
    expect(store.tip()).toEqual(chain[35]!.tip);
    expect(store.blockRangeBytes(30, 100)).toHaveLength(6);
    if (harness.reopen) {
      await store.close();
      store = await harness.reopen();
      expect(store.base()).toBe(30);
      expect(store.tip()).toEqual(chain[35]!.tip);
      expect(store.blockBytes(1)).toBeUndefined();
    }
  });

  it('rebase refuses a height at or below the tip, a tip that is not the base block, and a proof of another block', async () => {
    await fill([1, 10]);
    expect(await rejectionCode(store.rebase(chain[10]!.tip, chain[10]!.stored))).toBe('store.below-tip');
    expect(await rejectionCode(store.rebase(chain[20]!.tip, chain[21]!.stored))).toBe('store.tip-mismatch');
    expect(
      await rejectionCode(store.rebase(chain[20]!.tip, chain[20]!.stored, fixtureCommitProof(chain[21]!))),
    ).toBe('store.unknown-height');
    expect(store.tip()).toEqual(chain[10]!.tip);
    expect(store.blockBytes(5)).toEqual(chain[5]!.stored.bytes);
  });

  it('rollbackTo the tip changes nothing but keeps working; to the base keeps the base block', async () => {
    await fill([1, 8]);
    await store.rollbackTo(8, chain[8]!.tip);
    expect(store.tip()).toEqual(chain[8]!.tip);
    expect(store.checkpoint()?.height).toBe(8);
    await store.rollbackTo(0, genesis.tip);
    expect(store.tip()).toEqual(genesis.tip);
    expect(store.blockRangeBytes(0, 100)).toEqual([genesis.stored.bytes]);
    expect(store.latestCommitProofHeight()).toBeUndefined();
    await store.commitBatch(fixtureBatch(range(1, 3)));
    expect(store.tip()?.height).toBe(3);
  });

  it('rollbackTo refuses heights outside base..tip (unknown-height) and a tip that is not the block there', async () => {
    await store.initialize(chain[5]!.tip, chain[5]!.stored);
    await store.commitBatch(fixtureBatch(range(6, 10)));
    expect(await rejectionCode(store.rollbackTo(4, chain[4]!.tip))).toBe('store.unknown-height');
    expect(await rejectionCode(store.rollbackTo(11, chain[11]!.tip))).toBe('store.unknown-height');
    expect(await rejectionCode(store.rollbackTo(7, chain[8]!.tip))).toBe('store.tip-mismatch');
    const fork = fixtureBlocks(chain[6]!, 1, { salt: 'fork', epochLength: 10, payloadBytes: 300 })[0]!;
    expect(await rejectionCode(store.rollbackTo(7, fork.tip))).toBe('store.tip-mismatch');
    expect(store.tip()).toEqual(chain[10]!.tip);
    expect(store.blockRangeBytes(5, 100)).toHaveLength(6);
  });

  // ---- commit proofs ----------------------------------------------------------------

  it('putCommitProof stores a proof for a stored block; latestCommitProofHeight follows the newest', async () => {
    await fill([1, 10]);
    await store.putCommitProof(fixtureCommitProof(chain[4]!));
    expect(store.commitProof(4)).toEqual(fixtureCommitProof(chain[4]!));
    expect(store.latestCommitProofHeight()).toBe(10);
    // A newer proof for the tip replaces the old one.
    const newer = { ...fixtureCommitProof(chain[10]!), commitQc: chain[10]!.qc };
    await store.putCommitProof(newer);
    expect(store.commitProof(10)).toEqual(newer);
    await store.commitBatch({ blocks: range(11, 12).map((b) => b.stored), tip: chain[12]!.tip });
    await store.putCommitProof(fixtureCommitProof(chain[12]!));
    expect(store.latestCommitProofHeight()).toBe(12);
  });

  it('putCommitProof refuses a height not stored (unknown-height) and another block at a stored height', async () => {
    await fill([1, 10]);
    expect(await rejectionCode(store.putCommitProof(fixtureCommitProof(chain[11]!)))).toBe(
      'store.unknown-height',
    );
    const fork = fixtureBlocks(chain[6]!, 1, { salt: 'fork', epochLength: 10, payloadBytes: 300 })[0]!;
    expect(await rejectionCode(store.putCommitProof(fixtureCommitProof(fork)))).toBe('arg.invalid');
    expect(store.commitProof(7)).toBeUndefined();
  });

  // ---- bans -------------------------------------------------------------------------

  it('bans: put, replace, remove and list', async () => {
    const ban = (peer: string, untilMs: number): PeerBan => ({
      peer,
      reason: `misbehaved: ${peer}`,
      sinceMs: 1_000,
      untilMs,
    });
    await store.putBan(ban('peer-b', 5_000));
    await store.putBan(ban('peer-a', 6_000));
    await store.putBan(ban('peer-ü', 7_000));
    expect(store.bans()).toEqual([ban('peer-a', 6_000), ban('peer-b', 5_000), ban('peer-ü', 7_000)]);
    await store.putBan(ban('peer-b', 9_000));
    await store.removeBan('peer-a');
    await store.removeBan('never-banned');
    expect(store.bans()).toEqual([ban('peer-b', 9_000), ban('peer-ü', 7_000)]);
    expect(await rejectionCode(store.putBan(ban('x'.repeat(2_000), 1)))).toBe('arg.length');
    expect(await rejectionCode(store.putBan(ban('', 1)))).toBe('arg.empty');
    expect(await rejectionCode(store.removeBan(''))).toBe('arg.empty');
    expect(store.bans()).toHaveLength(2);
  });

  // ---- snapshots --------------------------------------------------------------------

  it('snapshots and chunks: put, list, get, indices; delete removes the chunks too', async () => {
    const root = (n: number) => new Uint8Array(32).fill(n);
    const snapshot = (n: number, height: number): StoredSnapshot => ({
      height,
      blockHash: chain[height]!.stored.hash,
      stateRoot: root(n),
      format: 1,
      chunkCount: 3,
      totalBytes: 300,
    });
    const chunk = (n: number, i: number) => new Uint8Array(100).fill(n * 10 + i);
    for (const n of [7, 3]) {
      for (const i of [2, 0, 1]) await store.putSnapshotChunk(root(n), i, chunk(n, i));
    }
    await store.putSnapshot(snapshot(7, 20));
    await store.putSnapshot(snapshot(3, 30));
    expect(store.snapshots()).toEqual([snapshot(7, 20), snapshot(3, 30)]);
    expect(store.snapshotChunkIndices(root(7))).toEqual([0, 1, 2]);
    expect(store.snapshotChunk(root(7), 1)).toEqual(chunk(7, 1));
    expect(store.snapshotChunk(root(7), 3)).toBeUndefined();
    expect(store.snapshotChunkIndices(root(9))).toEqual([]);
    // A chunk at the highest index sorts after all others and is kept apart from other roots.
    await store.putSnapshotChunk(root(3), 0xffffffff, chunk(3, 4));
    expect(store.snapshotChunkIndices(root(3))).toEqual([0, 1, 2, 0xffffffff]);

    await store.deleteSnapshot(root(3));
    expect(store.snapshots()).toEqual([snapshot(7, 20)]);
    expect(store.snapshotChunkIndices(root(3))).toEqual([]);
    expect(store.snapshotChunk(root(3), 0)).toBeUndefined();
    expect(store.snapshotChunkIndices(root(7))).toEqual([0, 1, 2]);
    // An empty chunk is a chunk, not a missing one.
    await store.putSnapshotChunk(root(7), 3, new Uint8Array(0));
    expect(store.snapshotChunk(root(7), 3)).toEqual(new Uint8Array(0));
    expect(store.snapshotChunkIndices(root(7))).toEqual([0, 1, 2, 3]);
    await store.deleteSnapshot(root(9)); // nothing there: no error
    expect(thrownCode(() => store.snapshotChunk(root(7), -1))).toBe('arg.out-of-range');
    expect(await rejectionCode(store.putSnapshotChunk(new Uint8Array(31), 0, chunk(1, 1)))).toBe(
      'arg.length',
    );
  });

  // ---- close and reopen -------------------------------------------------------------

  it('close waits for queued writes, is idempotent, and every call afterwards throws store.closed', async () => {
    await store.initialize(genesis.tip, genesis.stored);
    const queued = store.commitBatch(fixtureBatch(range(1, 5)));
    await store.close();
    await queued; // written before close resolved
    await store.close();
    const reads: [string, () => unknown][] = [
      ['tip', () => store.tip()],
      ['base', () => store.base()],
      ['blockBytes', () => store.blockBytes(0)],
      ['blockRangeBytes', () => store.blockRangeBytes(0, 1)],
      ['iterateBlocks', () => store.iterateBlocks(0, 1)],
      ['heightOfHash', () => store.heightOfHash(genesis.stored.hash)],
      ['commitProof', () => store.commitProof(5)],
      ['latestCommitProofHeight', () => store.latestCommitProofHeight()],
      ['validatorSet', () => store.validatorSet(0)],
      ['checkpoint', () => store.checkpoint()],
      ['bans', () => store.bans()],
      ['snapshotChunk', () => store.snapshotChunk(new Uint8Array(32), 0)],
      ['snapshotChunkIndices', () => store.snapshotChunkIndices(new Uint8Array(32))],
      ['snapshots', () => store.snapshots()],
    ];
    for (const [name, read] of reads) expect([name, thrownCode(read)]).toEqual([name, 'store.closed']);
    const writes: [string, () => Promise<unknown>][] = [
      ['initialize', () => store.initialize(genesis.tip)],
      ['commitBatch', () => store.commitBatch(fixtureBatch(range(6, 7)))],
      ['putCommitProof', () => store.putCommitProof(fixtureCommitProof(genesis))],
      ['rollbackTo', () => store.rollbackTo(0, genesis.tip)],
      ['putBan', () => store.putBan({ peer: 'p', reason: 'r', sinceMs: 0, untilMs: 1 })],
      ['removeBan', () => store.removeBan('p')],
      ['putSnapshotChunk', () => store.putSnapshotChunk(new Uint8Array(32), 0, new Uint8Array(1))],
      ['putSnapshot', () => store.putSnapshot({ ...fixtureSnapshot(), stateRoot: new Uint8Array(32) })],
      ['deleteSnapshot', () => store.deleteSnapshot(new Uint8Array(32))],
    ];
    for (const [name, write] of writes)
      expect([name, await rejectionCode(write())]).toEqual([name, 'store.closed']);
  });

  it('an iteration begun before close stops with store.closed', async () => {
    await fill([1, 5]);
    const iterator = store.iterateBlocks(0, 5)[Symbol.iterator]();
    expect(iterator.next().value?.height).toBe(0);
    await store.close();
    expect(thrownCode(() => iterator.next())).toBe('store.closed');
  });

  const reopenTitle = kind.noReopenReason
    ? `reopen after close keeps everything (skipped: ${kind.noReopenReason})`
    : 'reopen after close keeps everything';
  it.skipIf(kind.noReopenReason !== undefined)(reopenTitle, async () => {
    await fill([1, 10], [11, 22]);
    await store.putCommitProof(fixtureCommitProof(chain[15]!));
    await store.putBan({ peer: 'peer-x', reason: 'spam', sinceMs: 1, untilMs: 2 });
    await store.putSnapshotChunk(new Uint8Array(32).fill(4), 0, new Uint8Array([1, 2, 3]));
    await store.putSnapshot({ ...fixtureSnapshot(), stateRoot: new Uint8Array(32).fill(4) });
    const before = contents(store, 40);
    const bans = store.bans();
    const snapshots = store.snapshots();
    await store.close();

    store = await harness.reopen!();
    expect(contents(store, 40)).toEqual(before);
    expect(store.heightOfHash(chain[22]!.stored.hash)).toBe(22);
    expect(store.bans()).toEqual(bans);
    expect(store.snapshots()).toEqual(snapshots);
    expect(store.snapshotChunk(new Uint8Array(32).fill(4), 0)).toEqual(new Uint8Array([1, 2, 3]));
    // ...and it keeps accepting the chain where it stopped.
    await store.commitBatch(fixtureBatch(range(23, 30)));
    expect(store.tip()).toEqual(chain[30]!.tip);
  });
});

function fixtureSnapshot(): StoredSnapshot {
  const g = fixtureGenesis();
  return {
    height: 0,
    blockHash: g.stored.hash,
    stateRoot: g.block.header.stateRoot,
    format: 1,
    chunkCount: 1,
    totalBytes: 3,
  };
}

describe('ChainStore contract: both stores agree', () => {
  it('the same writes leave the LMDB and memory stores with the same contents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-store-'));
    const lmdb = await openLmdbChainStore({ path: dir, noSync: true });
    const memory = new MemoryChainStore();
    try {
      const chain = fixtureChain(30, { epochLength: 7, payloadBytes: 200 });
      for (const store of [lmdb, memory]) {
        await store.initialize(chain[0]!.tip, chain[0]!.stored);
        await store.commitBatch(fixtureBatch(chain.slice(1, 12)));
        await store.commitBatch(fixtureBatch(chain.slice(12, 25)));
        await store.rollbackTo(16, chain[16]!.tip);
        await store.commitBatch(fixtureBatch(chain.slice(17, 31)));
      }
      expect(contents(lmdb, 40)).toEqual(contents(memory, 40));
      expect(bytesEqual(lmdb.blockBytes(30)!, memory.blockBytes(30)!)).toBe(true);
    } finally {
      await lmdb.close();
      await memory.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
