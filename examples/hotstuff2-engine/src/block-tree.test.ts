import {
  type Block,
  blockHash,
  type Hash,
  type QuorumCertificate,
  type TrustedPoint,
  ZERO_HASH,
} from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { BlockTree } from './block-tree.js';

const root: TrustedPoint = {
  height: 10,
  hash: new Uint8Array(32).fill(1),
  view: 20,
  epoch: 0,
  timestampMs: 0,
  stateRoot: ZERO_HASH,
  validatorSet: { epoch: 0, validators: [] },
};

function qcFor(hash: Hash, height: number, view: number): QuorumCertificate {
  return {
    vote: { epoch: 0, view, height, blockHash: hash, phase: 'prepare' },
    validatorCount: 4,
    signers: new Uint8Array(1),
    signatures: [],
  };
}

/** A child of `parent` in `view` (salted, so siblings differ). */
function child(parent: { hash: Hash; height: number; view: number }, view: number, salt = 0): Block {
  return {
    header: {
      version: 1,
      chainId: new Uint8Array(32),
      epoch: 0,
      height: parent.height + 1,
      view,
      parentHash: parent.hash,
      justifyHash: ZERO_HASH,
      payloadHash: ZERO_HASH,
      stateRoot: new Uint8Array(32).fill(salt),
      nextValidatorSetHash: ZERO_HASH,
      proposer: 0,
      timestampMs: 0,
    },
    justify: qcFor(parent.hash, parent.height, parent.view),
    payload: [],
  };
}

function add(tree: BlockTree, block: Block) {
  const node = tree.add(block, blockHash(block));
  if (!node) throw new Error('parent unknown');
  return node;
}

describe('BlockTree', () => {
  it('holds forks above the root, links them, and keeps only the committed branch on commit', () => {
    const tree = new BlockTree({ point: root });
    const a1 = add(tree, child(root, 21));
    const a2 = add(tree, child(a1, 22));
    const b1 = add(tree, child(root, 23, 9)); // a fork from the root
    const b2 = add(tree, child(b1, 24));
    expect(
      tree.add(child({ hash: new Uint8Array(32).fill(7), height: 11, view: 21 }, 25), new Uint8Array(32)),
    ).toBeUndefined();
    expect(tree.size()).toBe(5);
    expect(tree.branch(a2).map((n) => n.view)).toEqual([21, 22]);
    expect(tree.extends(a2, a1.hash)).toBe(true);
    expect(tree.extends(b2, a1.hash)).toBe(false);
    expect(tree.extends(b2, root.hash)).toBe(true);

    const committed = tree.commit(a1);
    expect(committed.map((n) => n.view)).toEqual([21]);
    expect(tree.root().hash).toEqual(a1.hash);
    expect(tree.root().parentKey).toBeUndefined();
    expect(tree.get(b1.hash)).toBeUndefined();
    expect(tree.get(b2.hash)).toBeUndefined();
    expect(tree.branch(tree.get(a2.hash)!).map((n) => n.view)).toEqual([22]);
    expect(tree.size()).toBe(2);
  });

  it('keeps a QC that arrives before its block, and tracks the highest QC', () => {
    const tree = new BlockTree({ point: root, qc: qcFor(root.hash, 10, 20) });
    expect(tree.highQc()?.vote.view).toBe(20);
    const block = child(root, 21);
    const hash = blockHash(block);
    expect(tree.certify(qcFor(hash, 11, 21))).toBeUndefined();
    expect(tree.highQc()?.vote.view).toBe(21);
    const node = add(tree, block);
    expect(node.qc?.vote.view).toBe(21);
    tree.certify(qcFor(root.hash, 10, 20));
    expect(tree.highQc()?.vote.view).toBe(21);
  });

  it('removes a failed block with its descendants; rebases on a new committed tip', () => {
    const tree = new BlockTree({ point: root });
    const a1 = add(tree, child(root, 21));
    const a2 = add(tree, child(a1, 22));
    const a3 = add(tree, child(a2, 23));
    tree.remove(a2);
    expect(tree.get(a2.hash)).toBeUndefined();
    expect(tree.get(a3.hash)).toBeUndefined();
    expect(tree.get(a1.hash)).toBeDefined();

    const b2 = add(tree, child(a1, 24));
    // Sync delivered a1: the tree keeps what extends it.
    tree.rebase({ point: { ...root, height: 11, hash: a1.hash, view: 21 } });
    expect(tree.root().hash).toEqual(a1.hash);
    expect(tree.get(b2.hash)).toBeDefined();
    // Sync delivered a block the tree never saw: start over from it.
    const elsewhere = { ...root, height: 40, hash: new Uint8Array(32).fill(4), view: 60 };
    tree.rebase({ point: elsewhere });
    expect(tree.size()).toBe(1);
    expect(tree.root().height).toBe(40);
  });
});
