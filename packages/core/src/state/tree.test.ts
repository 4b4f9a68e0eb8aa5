import { describe, expect, it } from 'vitest';
import { toHex } from '../encoding/bytes.js';
import { taggedHash, ZERO_HASH } from '../hashing.js';
import { SeededRandom } from '../random.js';
import { bucketOf, hashBucket, hashNode, StateHashTag } from './bucket.js';
import { BucketTree, foldRange, rangeProofLength, TreeUpdate } from './tree.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function randomBuckets(depth: number, count: number, seed: number): Map<number, Uint8Array> {
  const random = new SeededRandom(seed);
  const out = new Map<number, Uint8Array>();
  while (out.size < count) out.set(random.int(0, 2 ** depth - 1), random.bytes(32));
  return out;
}

/** The tree by its definition, level by level, with no shortcut. */
function naiveRoot(depth: number, buckets: Map<number, Uint8Array>): Uint8Array {
  let level: Uint8Array[] = [];
  for (let b = 0; b < 2 ** depth; b++) level.push(buckets.get(b) ?? ZERO_HASH);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const [l, r] = [level[i]!, level[i + 1]!];
      next.push(
        toHex(l) === toHex(ZERO_HASH) && toHex(r) === toHex(ZERO_HASH)
          ? ZERO_HASH
          : taggedHash(StateHashTag.node, l, r),
      );
    }
    level = next;
  }
  return level[0]!;
}

describe('bucket hashing', () => {
  it('hashes an empty bucket to zero and entries as u32 length-prefixed key and value', () => {
    expect(hashBucket([])).toEqual(ZERO_HASH);
    const entries = [
      { key: bytes('a'), value: bytes('1') },
      { key: bytes('b'), value: new Uint8Array(0) },
    ];
    const expected = taggedHash(
      StateHashTag.bucket,
      Uint8Array.of(0, 0, 0, 1, 0x61, 0, 0, 0, 1, 0x31, 0, 0, 0, 1, 0x62, 0, 0, 0, 0),
    );
    expect(hashBucket(entries)).toEqual(expected);
  });

  it('gives two empty children an empty parent, and anything else a tagged hash', () => {
    const h = taggedHash('x');
    expect(hashNode(ZERO_HASH, ZERO_HASH)).toEqual(ZERO_HASH);
    expect(hashNode(h, ZERO_HASH)).toEqual(taggedHash(StateHashTag.node, h, ZERO_HASH));
    expect(hashNode(ZERO_HASH, h)).not.toEqual(hashNode(h, ZERO_HASH));
  });

  it('spreads keys over buckets by the top bits of their SHA-256', () => {
    for (const depth of [4, 16, 24]) {
      const b = bucketOf(bytes('key'), depth);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(2 ** depth);
      expect(b).toBe(bucketOf(bytes('key'), 24) >>> (24 - depth));
    }
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[bucketOf(bytes(`k/${i}`), 4)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('BucketTree', () => {
  it('starts with a zero root', () => {
    expect(BucketTree.empty(16).root()).toEqual(ZERO_HASH);
  });

  it('builds the root the definition gives', () => {
    for (const [depth, count] of [
      [4, 1],
      [4, 16],
      [6, 20],
      [8, 3],
    ] as const) {
      const buckets = randomBuckets(depth, count, depth * 100 + count);
      const tree = BucketTree.fromBuckets(
        depth,
        [...buckets].map(([bucket, hash]) => ({ bucket, hash })),
      );
      expect(toHex(tree.root())).toBe(toHex(naiveRoot(depth, buckets)));
    }
  });

  it('reaches the same root through updates as through a rebuild, and only once applied', () => {
    const depth = 8;
    const buckets = randomBuckets(depth, 40, 7);
    const tree = BucketTree.empty(depth);
    const update = new TreeUpdate(tree);
    let n = 0;
    for (const [bucket, hash] of buckets) {
      update.setBucket(bucket, hash);
      if (++n % 7 === 0) update.root(); // intermediate roots must not disturb the final one
    }
    const expected = naiveRoot(depth, buckets);
    expect(update.root()).toEqual(expected);
    expect(tree.root()).toEqual(ZERO_HASH);
    tree.apply(update);
    expect(tree.root()).toEqual(expected);
    // Emptying every bucket again gives the empty root.
    const clear = new TreeUpdate(tree);
    for (const bucket of buckets.keys()) clear.setBucket(bucket, ZERO_HASH);
    expect(clear.root()).toEqual(ZERO_HASH);
  });

  it('proves every bucket range of a small tree', () => {
    const depth = 5;
    const buckets = randomBuckets(depth, 12, 3);
    const tree = BucketTree.fromBuckets(
      depth,
      [...buckets].map(([bucket, hash]) => ({ bucket, hash })),
    );
    for (let first = 0; first < 2 ** depth; first++) {
      for (let last = first; last < 2 ** depth; last++) {
        const proof = tree.rangeProof(first, last);
        expect(proof.length).toBe(rangeProofLength(depth, first, last) * 32);
        expect(proof.length).toBeLessThanOrEqual(2 * depth * 32);
        const leaves = new Uint8Array((last - first + 1) * 32);
        for (let b = first; b <= last; b++) leaves.set(tree.bucketHash(b), (b - first) * 32);
        expect(foldRange(depth, first, last, leaves, proof)).toEqual(tree.root());
        if (proof.length > 0) {
          const forged = proof.slice();
          forged[0]! ^= 1;
          expect(foldRange(depth, first, last, leaves, forged)).not.toEqual(tree.root());
        }
      }
    }
  });
});
