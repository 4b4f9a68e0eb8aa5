import { type Block, type Hash, type QuorumCertificate, type TrustedPoint, toHex } from '@hotsync/core';

/** A block the replica knows above (or at) its committed tip. */
export interface TreeNode {
  readonly hash: Hash;
  /** Hex of the hash (map key). */
  readonly key: string;
  readonly height: number;
  readonly view: number;
  readonly epoch: number;
  readonly timestampMs: number;
  readonly stateRoot: Hash;
  /** Undefined for the root. */
  readonly parentKey: string | undefined;
  /** The root may be known by its trusted point only (e.g. a snapshot base). */
  readonly block: Block | undefined;
  /** The QC certifying this block, once seen. */
  qc: QuorumCertificate | undefined;
  /** Written to the pending-block store (survives a restart). */
  persisted: boolean;
}

/** The committed tip the tree hangs from. */
export interface TreeRoot {
  readonly point: TrustedPoint;
  readonly block?: Block | undefined;
  readonly qc?: QuorumCertificate | undefined;
}

/** QCs kept for blocks not seen yet (a leader's votes can beat the proposal they vote for). */
const MAX_ORPHAN_QCS = 64;

/**
 * The blocks above the committed tip (every fork a leader proposed), the QCs that certify
 * them, and the highest QC known. Every node descends from the root: a block enters only
 * once its parent is here. Committing moves the root up and drops every branch that does not
 * extend it.
 */
export class BlockTree {
  private rootNode!: TreeNode;
  private readonly nodes = new Map<string, TreeNode>();
  private readonly children = new Map<string, Set<string>>();
  private readonly orphanQcs = new Map<string, QuorumCertificate>();
  private high: QuorumCertificate | undefined;

  constructor(root: TreeRoot) {
    this.reset(root);
  }

  root(): TreeNode {
    return this.rootNode;
  }

  get(hash: Hash): TreeNode | undefined {
    return this.nodes.get(toHex(hash));
  }

  byKey(key: string): TreeNode | undefined {
    return this.nodes.get(key);
  }

  /** The highest QC seen (its block may still be missing). */
  highQc(): QuorumCertificate | undefined {
    return this.high;
  }

  size(): number {
    return this.nodes.size;
  }

  /** Adds a block whose parent is in the tree (else returns undefined); picks up a QC that arrived before it. */
  add(block: Block, hash: Hash): TreeNode | undefined {
    const key = toHex(hash);
    const existing = this.nodes.get(key);
    if (existing) return existing;
    const parentKey = toHex(block.header.parentHash);
    if (!this.nodes.has(parentKey)) return undefined;
    const h = block.header;
    const node: TreeNode = {
      hash,
      key,
      height: h.height,
      view: h.view,
      epoch: h.epoch,
      timestampMs: h.timestampMs,
      stateRoot: h.stateRoot,
      parentKey,
      block,
      qc: this.orphanQcs.get(key),
      persisted: false,
    };
    this.orphanQcs.delete(key);
    this.nodes.set(key, node);
    this.childrenOf(parentKey).add(key);
    return node;
  }

  /** Records a verified QC: attaches it to its block (or keeps it until the block comes) and raises the high QC. */
  certify(qc: QuorumCertificate): TreeNode | undefined {
    if (!this.high || qc.vote.view > this.high.vote.view) this.high = qc;
    const key = toHex(qc.vote.blockHash);
    const node = this.nodes.get(key);
    if (node) {
      node.qc ??= qc;
      return node;
    }
    if (qc.vote.view > this.rootNode.view && !this.orphanQcs.has(key)) {
      this.orphanQcs.set(key, qc);
      if (this.orphanQcs.size > MAX_ORPHAN_QCS) this.orphanQcs.delete(this.orphanQcs.keys().next().value!);
    }
    return undefined;
  }

  parent(node: TreeNode): TreeNode | undefined {
    return node.parentKey === undefined ? undefined : this.nodes.get(node.parentKey);
  }

  /** The nodes from the root (excluded) down to `node` (included), parents first. */
  branch(node: TreeNode): TreeNode[] {
    const path: TreeNode[] = [];
    for (let n: TreeNode | undefined = node; n && n !== this.rootNode; n = this.parent(n)) path.push(n);
    return path.reverse();
  }

  /** True when `descendant` is `ancestor` or below it. */
  extends(descendant: TreeNode, ancestorHash: Hash): boolean {
    const key = toHex(ancestorHash);
    for (let n: TreeNode | undefined = descendant; n; n = this.parent(n)) {
      if (n.key === key) return true;
      if (n.height === 0 || n === this.rootNode) return false;
    }
    return false;
  }

  /** Makes `node` the root: returns the newly committed blocks (parents first) and drops every other branch. */
  commit(node: TreeNode): TreeNode[] {
    const path = this.branch(node);
    this.keepSubtree(node);
    return path;
  }

  /** Drops `node` and its descendants (a block that failed execution). */
  remove(node: TreeNode): void {
    if (node === this.rootNode) return;
    const drop = [node.key];
    for (let i = 0; i < drop.length; i++) drop.push(...(this.children.get(drop[i]!) ?? []));
    for (const key of drop) {
      this.nodes.delete(key);
      this.children.delete(key);
    }
    if (node.parentKey !== undefined) this.children.get(node.parentKey)?.delete(node.key);
  }

  /**
   * A new committed tip from outside consensus (blocks synced by hotsync, a resume): keeps what
   * descends from it when the tree holds it, else starts over from it. The high QC stays.
   */
  rebase(root: TreeRoot): void {
    const existing = this.nodes.get(toHex(root.point.hash));
    if (existing && existing !== this.rootNode) {
      this.keepSubtree(existing);
      existing.qc ??= root.qc;
    } else if (!existing) {
      this.reset(root);
    }
    if (root.qc) this.certify(root.qc);
  }

  private reset(root: TreeRoot): void {
    const p = root.point;
    const node: TreeNode = {
      hash: p.hash,
      key: toHex(p.hash),
      height: p.height,
      view: p.view,
      epoch: p.epoch,
      timestampMs: p.timestampMs,
      stateRoot: p.stateRoot,
      parentKey: undefined,
      block: root.block,
      qc: root.qc,
      persisted: true,
    };
    this.nodes.clear();
    this.children.clear();
    this.nodes.set(node.key, node);
    this.rootNode = node;
    for (const [key, qc] of this.orphanQcs) if (qc.vote.view <= node.view) this.orphanQcs.delete(key);
    if (root.qc) this.certify(root.qc);
  }

  private keepSubtree(node: TreeNode): void {
    const keep = new Map<string, TreeNode>([[node.key, node]]);
    const queue = [node.key];
    for (let i = 0; i < queue.length; i++) {
      for (const child of this.children.get(queue[i]!) ?? []) {
        keep.set(child, this.nodes.get(child)!);
        queue.push(child);
      }
    }
    for (const key of [...this.nodes.keys()]) {
      if (!keep.has(key)) {
        this.nodes.delete(key);
        this.children.delete(key);
      }
    }
    // The new root's parent link leads out of the tree: it is the root now.
    const root: TreeNode = { ...node, parentKey: undefined };
    this.nodes.set(root.key, root);
    this.rootNode = root;
    for (const [key, qc] of this.orphanQcs) if (qc.vote.view <= root.view) this.orphanQcs.delete(key);
  }

  private childrenOf(key: string): Set<string> {
    let set = this.children.get(key);
    if (!set) {
      set = new Set();
      this.children.set(key, set);
    }
    return set;
  }
}
