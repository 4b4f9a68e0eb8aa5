import { createHash, createPublicKey, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBlock, encodeHeader, encodeQc, encodeValidatorSet } from '../chain/codec.js';
import { voteSignBytes } from '../chain/signing.js';
import { transactionsRoot } from '../chain/transactions-root.js';
import type { Block, CommitProof, QuorumCertificate, ValidatorSet } from '../chain/types.js';
import { createMemoryStateMachine } from '../state/index.js';
import { MemoryChainStore } from '../store/index.js';
import { type GeneratedChain, generateChain } from './generate-chain.js';

// Independent re-implementations: the test does not trust the generator's own helpers.
function tagged(tag: string, bytes: Uint8Array): Buffer {
  return createHash('sha256').update(`${tag}\0`, 'ascii').update(bytes).digest();
}
const keyObjects = new Map<string, ReturnType<typeof createPublicKey>>();
function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const hex = Buffer.from(publicKey).toString('hex');
  let key = keyObjects.get(hex);
  if (!key) {
    key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
      format: 'der',
      type: 'spki',
    });
    keyObjects.set(hex, key);
  }
  return verify(null, message, key, signature);
}
function checkQc(qc: QuorumCertificate, set: ValidatorSet, chainId: Uint8Array): void {
  expect(qc.validatorCount).toBe(set.validators.length);
  const message = voteSignBytes(chainId, qc.vote);
  let power = 0n;
  let total = 0n;
  let sig = 0;
  set.validators.forEach((v, i) => {
    total += v.votingPower;
    if (qc.signers[i >> 3]! & (1 << (i & 7))) {
      expect(verifyEd25519(v.publicKey, message, qc.signatures[sig++]!)).toBe(true);
      power += v.votingPower;
    }
  });
  expect(sig).toBe(qc.signatures.length);
  expect(power >= (2n * total) / 3n + 1n).toBe(true);
}

const BLOCKS = 10_000;
const EPOCH_LENGTH = 3_400;
const FORKS = [1_234, 7_001];

describe('generateChain: a 10k-block chain with 3 epochs', () => {
  let chain: GeneratedChain;
  let store: MemoryChainStore;
  const blocks: Block[] = [];

  beforeAll(async () => {
    store = new MemoryChainStore();
    chain = await generateChain({
      seed: 11,
      blocks: BLOCKS,
      validators: 5,
      epochLength: EPOCH_LENGTH,
      viewGapRate: 0.03,
      forkHeights: FORKS,
      snapshotHeights: [8_000],
      snapshotChunkBytes: 16 * 1024,
      store,
      stateMachine: createMemoryStateMachine({ depth: 10 }),
    });
    for (const b of store.iterateBlocks(0, BLOCKS)) {
      expect(b.height).toBe(blocks.length);
      const block = decodeBlock(b.bytes);
      expect(Buffer.from(b.hash).equals(tagged('hs2/header/v1', encodeHeader(block.header)))).toBe(true);
      blocks.push(block);
    }
  }, 300_000);

  it('stores every height once, ending at the reported tip', () => {
    expect(blocks).toHaveLength(BLOCKS + 1);
    expect(store.tip()!.height).toBe(BLOCKS);
    expect(chain.tip.height).toBe(BLOCKS);
    expect(
      Buffer.from(chain.tip.hash).equals(tagged('hs2/header/v1', encodeHeader(blocks[BLOCKS]!.header))),
    ).toBe(true);
    expect(chain.anchor.height).toBe(0);
  });

  it('links every block to its parent through hash, justify QC, height and views', () => {
    let gaps = 0;
    for (let h = 1; h <= BLOCKS; h++) {
      const { header, justify, payload } = blocks[h]!;
      const parent = blocks[h - 1]!.header;
      const parentHash = tagged('hs2/header/v1', encodeHeader(parent));
      expect(header.height).toBe(h);
      expect(Buffer.from(header.parentHash).equals(parentHash)).toBe(true);
      expect(Buffer.from(justify.vote.blockHash).equals(parentHash)).toBe(true);
      expect(justify.vote.height).toBe(h - 1);
      expect(justify.vote.view).toBe(parent.view);
      expect(justify.vote.epoch).toBe(parent.epoch);
      expect(justify.vote.view).toBeLessThan(header.view);
      expect(header.view).toBeGreaterThan(parent.view);
      if (header.view > parent.view + 1) gaps++;
      expect(header.timestampMs).toBeGreaterThan(parent.timestampMs);
      expect(Buffer.from(header.justifyHash).equals(tagged('hs2/qc/v1', encodeQc(justify)))).toBe(true);
      expect(Buffer.from(header.payloadHash).equals(transactionsRoot(payload))).toBe(true);
    }
    // Timeouts happen (views are not height + 1), and every fork forces one.
    expect(gaps).toBeGreaterThan(FORKS.length);
  });

  it('changes epochs at the boundaries with sets the chain committed to, and QCs reach quorum of the right set', () => {
    const sets = new Map<number, ValidatorSet>([[0, chain.anchor.validatorSet]]);
    for (let h = 1; h <= BLOCKS; h++) {
      const block = blocks[h]!;
      const expectedEpoch = Math.floor((h - 1) / EPOCH_LENGTH);
      expect(block.header.epoch).toBe(expectedEpoch);
      checkQc(block.justify, sets.get(block.justify.vote.epoch)!, chain.chainId);
      if (h % EPOCH_LENGTH === 0) {
        const next = block.nextValidatorSet!;
        expect(next.epoch).toBe(expectedEpoch + 1);
        expect(
          Buffer.from(block.header.nextValidatorSetHash).equals(
            tagged('hs2/valset/v1', encodeValidatorSet(next)),
          ),
        ).toBe(true);
        // The new set differs from the old one (one validator rotated out).
        expect(next.validators).not.toEqual(sets.get(expectedEpoch)!.validators);
        sets.set(next.epoch, next);
      } else {
        expect(block.nextValidatorSet).toBeUndefined();
        expect(block.header.nextValidatorSetHash.every((b) => b === 0)).toBe(true);
      }
    }
    expect([...sets.keys()]).toEqual([0, 1, 2]);
    expect(chain.validatorSets.map((s) => s.epoch)).toEqual([0, 1, 2]);
  });

  it('uses minimal quorums and larger ones', () => {
    const signerCounts = new Set(blocks.slice(1).map((b) => b.justify.signatures.length));
    expect(signerCounts.size).toBeGreaterThan(1);
  });

  it('reproduces every state root by replaying the payloads', async () => {
    const replay = createMemoryStateMachine({ depth: 10 });
    expect(Buffer.from(replay.root()).equals(Buffer.from(blocks[0]!.header.stateRoot))).toBe(true);
    for (let h = 1; h <= BLOCKS; h += 500) {
      const range = blocks.slice(h, Math.min(h + 500, BLOCKS + 1));
      const roots = await replay.applyBlocks(
        range.map((b) => ({ height: b.header.height, transactions: b.payload })),
        'each',
      );
      roots.forEach((root, i) => {
        expect(Buffer.from(root).equals(Buffer.from(range[i]!.header.stateRoot))).toBe(true);
      });
    }
  });

  it('stores valid commit proofs at batch ends, epoch ends and the tip', () => {
    const setOf = (epoch: number) => chain.validatorSets[epoch]!;
    const checkProof = (proof: CommitProof, height: number) => {
      expect(proof.header.height).toBe(height);
      const hash = tagged('hs2/header/v1', encodeHeader(proof.header));
      expect(Buffer.from(hash).equals(tagged('hs2/header/v1', encodeHeader(blocks[height]!.header)))).toBe(
        true,
      );
      expect(Buffer.from(proof.qc.vote.blockHash).equals(hash)).toBe(true);
      checkQc(proof.qc, setOf(proof.qc.vote.epoch), chain.chainId);
      if (proof.kind === 'two-chain') {
        expect(proof.child.view).toBe(proof.header.view + 1);
        expect(Buffer.from(proof.child.parentHash).equals(hash)).toBe(true);
        expect(Buffer.from(proof.child.justifyHash).equals(tagged('hs2/qc/v1', encodeQc(proof.qc)))).toBe(
          true,
        );
        expect(
          Buffer.from(proof.childQc.vote.blockHash).equals(
            tagged('hs2/header/v1', encodeHeader(proof.child)),
          ),
        ).toBe(true);
        checkQc(proof.childQc, setOf(proof.childQc.vote.epoch), chain.chainId);
      } else {
        expect(proof.commitQc.vote.phase).toBe('commit');
        expect(Buffer.from(proof.commitQc.vote.blockHash).equals(hash)).toBe(true);
        expect(proof.commitQc.vote.view).toBe(proof.header.view);
        checkQc(proof.commitQc, setOf(proof.commitQc.vote.epoch), chain.chainId);
      }
    };
    expect(chain.proofHeights).toContain(EPOCH_LENGTH);
    expect(chain.proofHeights).toContain(2 * EPOCH_LENGTH);
    expect(chain.proofHeights).toContain(BLOCKS);
    for (const height of chain.proofHeights) checkProof(store.commitProof(height)!, height);
    expect(store.commitProof(EPOCH_LENGTH)!.kind).toBe('double-cert');
    checkProof(chain.tipCommitProof, BLOCKS);
  });

  it('produces certified forks that conflict with the committed chain', () => {
    expect(chain.forks).toHaveLength(FORKS.length);
    for (const [i, fork] of chain.forks.entries()) {
      const h = FORKS[i]!;
      const main = blocks[h]!;
      expect(fork.block.header.height).toBe(h);
      expect(Buffer.from(fork.block.header.parentHash).equals(Buffer.from(main.header.parentHash))).toBe(
        true,
      );
      const forkHash = tagged('hs2/header/v1', encodeHeader(fork.block.header));
      expect(forkHash.equals(tagged('hs2/header/v1', encodeHeader(main.header)))).toBe(false);
      expect(Buffer.from(fork.qc.vote.blockHash).equals(forkHash)).toBe(true);
      checkQc(fork.qc, chain.validatorSets[fork.block.header.epoch]!, chain.chainId);
      // The main chain skipped the fork's view: no two QCs in one view.
      expect(main.header.view).toBeGreaterThan(fork.block.header.view);
    }
  });

  it('exports the requested snapshot with a proof-carrying height', () => {
    expect(chain.snapshots).toHaveLength(1);
    const snapshot = chain.snapshots[0]!;
    expect(snapshot.height).toBe(8_000);
    expect(Buffer.from(snapshot.stateRoot).equals(Buffer.from(blocks[8_000]!.header.stateRoot))).toBe(true);
    expect(store.snapshotChunkIndices(snapshot.stateRoot)).toHaveLength(snapshot.chunkCount);
    expect(chain.proofHeights).toContain(8_000);
    expect(chain.stats.blocksPerSec).toBeGreaterThan(0);
  });
});

describe('generateChain determinism', () => {
  const small = (seed: number) =>
    generateChain({
      seed,
      blocks: 300,
      epochLength: 100,
      store: new MemoryChainStore(),
      stateMachine: createMemoryStateMachine({ depth: 8 }),
    });

  it('gives the same chain for the same seed and a different one for another seed', async () => {
    const [a, b, c] = await Promise.all([small(5), small(5), small(6)]);
    expect(Buffer.from(a.tip.hash).equals(Buffer.from(b.tip.hash))).toBe(true);
    expect(Buffer.from(a.tip.hash).equals(Buffer.from(c.tip.hash))).toBe(false);
  });

  it('refuses a non-empty store and bad options', async () => {
    const store = new MemoryChainStore();
    await generateChain({ seed: 1, blocks: 3, store, stateMachine: createMemoryStateMachine({ depth: 8 }) });
    await expect(
      generateChain({ seed: 1, blocks: 3, store, stateMachine: createMemoryStateMachine({ depth: 8 }) }),
    ).rejects.toThrow(/empty store/);
    await expect(
      generateChain({
        seed: 1,
        blocks: 0,
        store: new MemoryChainStore(),
        stateMachine: createMemoryStateMachine(),
      }),
    ).rejects.toThrow(/blocks/);
  });
});
