import type { Hash } from '../chain/types.js';
import { HASH_LENGTH } from '../hashing.js';
import { assertTreeDepth, hashNode, isZeroHash } from './bucket.js';

/** One bucket's hash, as persisted and as fed to a rebuild. */
export interface BucketHash {
  readonly bucket: number;
  readonly hash: Hash;
}

/**
 * The fixed-depth binary tree over 2^depth bucket hashes, all of it in memory: level `l`
 * holds 2^l hashes in one Uint8Array (level 0 is the root, level `depth` the buckets).
 * Only a {@link TreeUpdate} changes it, and only once the update is persisted, so a failed
 * call never leaves the in-memory tree ahead of the disk.
 */
export class BucketTree {
  private constructor(
    readonly depth: number,
    private readonly levels: Uint8Array[],
  ) {}

  static empty(depth: number): BucketTree {
    assertTreeDepth(depth);
    const levels: Uint8Array[] = [];
    for (let l = 0; l <= depth; l++) levels.push(new Uint8Array((1 << l) * HASH_LENGTH));
    return new BucketTree(depth, levels);
  }

  /** Builds the tree from the non-empty buckets' hashes (absent buckets are empty). */
  static fromBuckets(depth: number, buckets: Iterable<BucketHash>): BucketTree {
    const tree = BucketTree.empty(depth);
    const leaves = tree.levels[depth]!;
    let indices: number[] = [];
    for (const { bucket, hash } of buckets) {
      if (isZeroHash(hash)) continue;
      leaves.set(hash, bucket * HASH_LENGTH);
      indices.push(bucket);
    }
    // Only the paths above non-empty buckets need hashing; everything else stays zero.
    for (let l = depth - 1; l >= 0; l--) {
      const parents = uniqueParents(indices);
      for (const p of parents)
        tree.setNode(l, p, hashNode(tree.node(l + 1, 2 * p), tree.node(l + 1, 2 * p + 1)));
      indices = parents;
    }
    return tree;
  }

  /** A view of one node's hash (do not modify). */
  node(level: number, index: number): Uint8Array {
    return this.levels[level]!.subarray(index * HASH_LENGTH, (index + 1) * HASH_LENGTH);
  }

  bucketHash(bucket: number): Uint8Array {
    return this.node(this.depth, bucket);
  }

  /** A copy of the root. */
  root(): Hash {
    return this.levels[0]!.slice();
  }

  /**
   * The sibling hashes that fold buckets `first..last` up to the root, in the order
   * {@link foldRange} consumes them: level by level from the buckets up, at each level the
   * left sibling (when the range starts at an odd index) before the right one (when it ends
   * at an even index). Concatenated, 32 bytes each.
   */
  rangeProof(first: number, last: number): Uint8Array {
    const out = new Uint8Array(rangeProofLength(this.depth, first, last) * HASH_LENGTH);
    let o = 0;
    let lo = first;
    let hi = last;
    for (let l = this.depth; l > 0; l--) {
      if ((lo & 1) === 1) {
        out.set(this.node(l, lo - 1), o);
        o += HASH_LENGTH;
      }
      if ((hi & 1) === 0) {
        out.set(this.node(l, hi + 1), o);
        o += HASH_LENGTH;
      }
      lo >>>= 1;
      hi >>>= 1;
    }
    return out;
  }

  /** Writes an update's new hashes into the tree (after they were persisted). */
  apply(update: TreeUpdate): void {
    update.flush();
    for (let l = 0; l <= this.depth; l++) {
      for (const [index, hash] of update.changedNodes(l)) this.setNode(l, index, hash);
    }
  }

  private setNode(level: number, index: number, hash: Uint8Array): void {
    this.levels[level]!.set(hash, index * HASH_LENGTH);
  }
}

/**
 * Copy-on-write changes to a {@link BucketTree}: new bucket hashes, and the inner nodes
 * above them recomputed on demand. Only dirty buckets and their paths are hashed, and a
 * bucket changed many times before the next `root()` is hashed up the tree once: that is
 * what makes one root per range (`last`) cheaper than one per block (`each`).
 */
export class TreeUpdate {
  private readonly overlay: Map<number, Uint8Array>[] = [];
  private pending = new Set<number>();

  constructor(private readonly tree: BucketTree) {
    for (let l = 0; l <= tree.depth; l++) this.overlay.push(new Map());
  }

  setBucket(bucket: number, hash: Hash): void {
    this.overlay[this.tree.depth]!.set(bucket, hash);
    this.pending.add(bucket);
  }

  node(level: number, index: number): Uint8Array {
    return this.overlay[level]!.get(index) ?? this.tree.node(level, index);
  }

  /** Root after every change so far (a copy). */
  root(): Hash {
    this.flush();
    return this.node(0, 0).slice();
  }

  /** Bucket hashes set through this update. */
  changedBuckets(): IterableIterator<[number, Uint8Array]> {
    return this.overlay[this.tree.depth]!.entries();
  }

  changedNodes(level: number): IterableIterator<[number, Uint8Array]> {
    return this.overlay[level]!.entries();
  }

  /** Recomputes the paths above buckets changed since the last flush. */
  flush(): void {
    if (this.pending.size === 0) return;
    let indices = [...this.pending];
    this.pending = new Set();
    for (let l = this.tree.depth - 1; l >= 0; l--) {
      const parents = uniqueParents(indices);
      const level = this.overlay[l]!;
      for (const p of parents) level.set(p, hashNode(this.node(l + 1, 2 * p), this.node(l + 1, 2 * p + 1)));
      indices = parents;
    }
  }
}

function uniqueParents(indices: readonly number[]): number[] {
  const parents = new Set<number>();
  for (const i of indices) parents.add(i >>> 1);
  return [...parents];
}

/** Number of sibling hashes a proof for buckets `first..last` holds. */
export function rangeProofLength(depth: number, first: number, last: number): number {
  let n = 0;
  let lo = first;
  let hi = last;
  for (let l = depth; l > 0; l--) {
    if ((lo & 1) === 1) n++;
    if ((hi & 1) === 0) n++;
    lo >>>= 1;
    hi >>>= 1;
  }
  return n;
}

/**
 * Folds the hashes of buckets `first..last` (concatenated, 32 bytes each) with the proof's
 * siblings up to a root. The proof must hold exactly `rangeProofLength` hashes.
 */
export function foldRange(
  depth: number,
  first: number,
  last: number,
  bucketHashes: Uint8Array,
  proof: Uint8Array,
): Hash {
  let current = bucketHashes;
  let lo = first;
  let hi = last;
  let p = 0;
  for (let l = depth; l > 0; l--) {
    const left = (lo & 1) === 1;
    const right = (hi & 1) === 0;
    if (left || right) {
      const count = hi - lo + 1 + (left ? 1 : 0) + (right ? 1 : 0);
      const widened = new Uint8Array(count * HASH_LENGTH);
      let o = 0;
      if (left) {
        widened.set(proof.subarray(p, p + HASH_LENGTH), 0);
        p += HASH_LENGTH;
        o = HASH_LENGTH;
      }
      widened.set(current, o);
      if (right) {
        widened.set(proof.subarray(p, p + HASH_LENGTH), widened.length - HASH_LENGTH);
        p += HASH_LENGTH;
      }
      current = widened;
    }
    const pairs = current.length / (2 * HASH_LENGTH);
    const next = new Uint8Array(pairs * HASH_LENGTH);
    for (let i = 0; i < pairs; i++) {
      const at = 2 * i * HASH_LENGTH;
      next.set(
        hashNode(
          current.subarray(at, at + HASH_LENGTH),
          current.subarray(at + HASH_LENGTH, at + 2 * HASH_LENGTH),
        ),
        i * HASH_LENGTH,
      );
    }
    current = next;
    lo >>>= 1;
    hi >>>= 1;
  }
  return current;
}
