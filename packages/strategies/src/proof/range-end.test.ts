import { createMemoryStateMachine, decodeBlock, MemoryChainStore, referenceChainSpec } from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { provableEndBefore, provableEndByTail, tailProofAt } from './range-end.js';

const spec = referenceChainSpec();

describe('proving the end of a range', () => {
  let blocks: Uint8Array[];
  /** Heights h whose child comes after a view gap (no direct two-chain for h). */
  let gapped: number[];
  beforeAll(async () => {
    const store = new MemoryChainStore();
    await generateChain({
      seed: 9,
      blocks: 300,
      transactionsPerBlock: 0,
      viewGapRate: 0.2,
      store,
      stateMachine: createMemoryStateMachine({ depth: 4 }),
    });
    blocks = [...store.iterateBlocks(0, 300)].map((b) => b.bytes);
    const view = (h: number) => decodeBlock(blocks[h]!).header.view;
    gapped = [];
    for (let h = 12; h < 295; h++)
      if (view(h + 1) !== view(h) + 1 && view(h + 2) === view(h + 1) + 1 && view(h + 3) === view(h + 2) + 1)
        gapped.push(h);
  });

  it('the tail trick: the two blocks after a height prove it when their views follow on', () => {
    const plain = gapped[0]! - 1;
    expect(tailProofAt(spec, blocks, plain)).toMatchObject({ kind: 'two-chain', header: { height: plain } });
    expect(tailProofAt(spec, blocks, gapped[0]!)).toBeUndefined();
    expect(tailProofAt(spec, blocks, blocks.length - 2)).toBeUndefined(); // no grandchild received
  });

  it('after a view gap the range grows by a block to one that is provable, never past maxEnd', () => {
    expect(gapped.length).toBeGreaterThan(3);
    for (const h of gapped) {
      const from = h - 10;
      const received = blocks.slice(from, h + 5);
      expect(provableEndByTail(spec, { blocks: received, from, to: h, maxEnd: 10_000 })).toMatchObject({
        end: h + 1 - from,
        source: 'extended',
      });
      // Capped at the target: nothing to grow into.
      expect(provableEndByTail(spec, { blocks: received, from, to: h, maxEnd: h })).toBeUndefined();
      // Else it shrinks to the latest block before the gap whose successors prove it.
      const shrunk = provableEndBefore(spec, received, h - from)!;
      expect(shrunk.end).toBeLessThan(h - from);
      expect(shrunk.proof.header.height).toBe(from + shrunk.end);
    }
  });

  it('garbage in the tail proves nothing (the verifier names it later)', () => {
    const from = 20;
    const received = blocks.slice(from, from + 8);
    received[7] = new Uint8Array([1, 2, 3]);
    expect(tailProofAt(spec, received, 5)).toBeUndefined();
    expect(provableEndByTail(spec, { blocks: received, from, to: from + 4, maxEnd: 1_000 })?.end).toBe(4);
  });
});
