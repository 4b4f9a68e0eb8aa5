import {
  type Block,
  blockHash,
  type ChainStore,
  type Clock,
  InvalidArgumentError,
  type Logger,
  type QuorumCertificate,
  signBytes,
  signVote,
  type TypedEmitter,
  type Vote,
} from '@hotsync/core';
import { type BlockFetcher, collectAncestors } from './block-fetcher.js';
import { checkAgainstParent, checkBlock } from './block-rules.js';
import type { BlockTree, TreeNode } from './block-tree.js';
import type { Committer } from './committer.js';
import type { EngineEvents } from './events.js';
import { encodeMessage } from './message-codec.js';
import {
  type BlockRequestMessage,
  type BlockResponseMessage,
  type ConsensusMessage,
  type NewViewMessage,
  newViewSignBytes,
  type ProposalMessage,
  type VoteMessage,
} from './messages.js';
import type { ViewChangeReason } from './pacemaker.js';
import type { PendingBlockStore } from './pending-store.js';
import { Proposer, type ProposerHost, type ProposerParts } from './proposer.js';
import type { SafetyRules } from './safety-rules.js';
import type { Session } from './session.js';
import type { NodeId } from './transport.js';

export interface ProtocolSettings {
  /** Most blocks asked for in one block-request (default 64). */
  readonly maxFetchBlocks: number;
  /** How far ahead of the local clock a block's timestamp may be (default 30 s). */
  readonly maxClockDriftMs: number;
}

export interface ProtocolParts extends ProposerParts {
  readonly store: ChainStore;
  readonly safety: SafetyRules;
  readonly fetcher: BlockFetcher;
  readonly pending: PendingBlockStore;
  readonly committer: Committer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emitter: TypedEmitter<EngineEvents>;
  readonly settings: ProtocolSettings;
}

/**
 * Chained HotStuff-2, one replica (DESIGN §2's chain format):
 * - the leader of view v (round robin) proposes a block extending the highest QC it knows,
 *   as soon as it holds a QC of view v−1 or new-views from a quorum;
 * - a replica votes for it (to the leader of v+1) when the safety rules allow and the block
 *   executes to its claimed state root; then it moves to view v+1;
 * - the leader of v+1 assembles the votes into a QC, which it carries in its proposal;
 * - a QC for B' whose parent B has `B'.view == B.view + 1` commits B and its ancestors;
 * - a view that times out sends a new-view (with the highest QC) to everyone.
 * Every handler runs inside the engine's serial queue.
 */
export class Protocol implements ProposerHost {
  /** False while paused: no proposals, votes or timers; block requests are still served. */
  active = false;
  readonly proposer: Proposer;
  private newViewSentFor = 0;

  constructor(
    private readonly p: ProtocolParts,
    public session: Session,
    public tree: BlockTree,
  ) {
    this.proposer = new Proposer(p, this);
  }

  async onMessage(from: NodeId, message: ConsensusMessage): Promise<void> {
    switch (message.type) {
      case 'block-request':
        return this.onBlockRequest(message, from);
      case 'proposal':
        if (this.active) await this.onProposal(message, from, false);
        return;
      case 'vote':
        if (this.active) await this.onVote(message, from);
        return;
      case 'new-view':
        if (this.active) await this.onNewView(message, from);
        return;
      case 'block-response':
        if (this.active) await this.onBlockResponse(message, from);
        return;
      default:
        return unreachable(message);
    }
  }

  async onProposal(message: ProposalMessage, from: NodeId, own: boolean): Promise<void> {
    const { block } = message;
    const h = block.header;
    const { roster, checker } = this.session;
    const hash = blockHash(block);
    if (h.view <= this.tree.root().view || this.tree.get(hash)) return; // stale or known
    if (h.proposer !== roster.leader(h.view))
      return this.reject(from, 'proposal', 'not the leader of its view');
    if (!own && !checker.proposal(hash, roster.publicKey(h.proposer), message.signature)) {
      return this.reject(from, 'proposal', 'bad proposer signature');
    }
    const why = this.checkShape(block);
    if (why) return this.reject(from, 'proposal', why);
    await this.processQc(block.justify);
    const parent = this.tree.get(h.parentHash);
    if (!parent) {
      if (h.height <= this.tree.root().height + 1)
        return this.reject(from, 'proposal', 'conflicts with the committed chain');
      this.p.fetcher.stash(h.parentHash, { message, from });
      this.requestBlock(h.parentHash, from);
      return;
    }
    const mismatch = checkAgainstParent(block, parent);
    if (mismatch) return this.reject(from, 'proposal', mismatch);
    const node = await this.insert(block, hash);
    if (!node) return;
    if (h.view > this.p.pacemaker.view()) this.enterView(h.view, 'proposal');
    await this.maybeVote(node, from);
    await this.proposer.tryPropose();
  }

  /** Structure and justify QC of a block (proposed or fetched); returns why it is refused. */
  private checkShape(block: Block): string | undefined {
    const why = checkBlock(block, {
      chainId: this.p.chainId,
      epoch: this.session.roster.epoch,
      latestTimestampMs: this.p.clock.now() + this.p.settings.maxClockDriftMs,
    });
    if (why) return why;
    const qc = this.session.checker.qc(block.justify);
    return qc.ok ? undefined : `justify QC: ${qc.reason}`;
  }

  /** Adds a checked block whose parent is known, then whatever waited for it. */
  private async insert(block: Block, hash: Uint8Array): Promise<TreeNode | undefined> {
    const node = this.tree.add(block, hash);
    if (!node) return undefined;
    this.p.fetcher.received(hash);
    if (node.qc) await this.checkCommit(node); // its QC came before it
    for (const stashed of this.p.fetcher.release(hash))
      await this.onProposal(stashed.message, stashed.from, false);
    return node;
  }

  private async maybeVote(node: TreeNode, from: NodeId): Promise<void> {
    const { me } = this.session;
    const key = this.p.key;
    if (me === undefined || !key || node.view !== this.p.pacemaker.view() || !node.block) return;
    const parent = this.tree.parent(node)!;
    const verdict = this.p.safety.check(node.view, node.block.justify, this.extendsLock(parent));
    if (!verdict.ok) {
      this.p.logger.debug({ view: node.view, reason: verdict.reason }, 'not voting');
      return;
    }
    const executed = await this.p.executor.ensureBranch(this.tree.branch(node));
    if (!executed.ok) {
      // The failed block (this one or an ancestor) and everything above it are invalid.
      const failed = this.tree.byKey(executed.failed.key);
      if (failed) this.tree.remove(failed);
      return this.reject(from, 'proposal', executed.message);
    }
    // Write-ahead: the vote (and the blocks it builds on) are durable before the vote leaves.
    await Promise.all([this.p.safety.recordVote(node.view), this.persistBranch(node)]);
    this.p.emitter.emit('voted', { view: node.view, height: node.height, hash: node.hash });
    this.sendVote(node, node.view + 1);
    this.enterView(node.view + 1, 'voted');
  }

  /** Is `parent` the locked block or below it? A lock on a committed block is extended by everything here. */
  private extendsLock(parent: TreeNode): boolean {
    const lock = this.p.safety.locked();
    if (!lock.blockHash) return false;
    if (this.tree.get(lock.blockHash)) return this.tree.extends(parent, lock.blockHash);
    return this.p.store.heightOfHash(lock.blockHash) !== undefined;
  }

  private async persistBranch(node: TreeNode): Promise<void> {
    const fresh = this.tree.branch(node).filter((n) => !n.persisted && n.block);
    await this.p.pending.put(fresh.map((n) => n.block!));
    for (const n of fresh) n.persisted = true;
  }

  async onVote(message: VoteMessage, from: NodeId): Promise<void> {
    const { vote, voter, signature } = message;
    const { roster, me, checker, votes } = this.session;
    if (me === undefined) return;
    if (!roster.has(voter) || vote.epoch !== roster.epoch || vote.phase !== 'prepare') {
      return this.reject(from, 'vote', 'not a prepare vote of this validator set');
    }
    const root = this.tree.root();
    // Votes for an uncertified committed tip (a fresh genesis) go to whoever leads now.
    const bootstrap = !root.qc && vote.view === root.view && vote.height === root.height;
    if (!bootstrap && (roster.leader(vote.view + 1) !== me || vote.view <= root.view)) return;
    if (!checker.vote(vote, roster.publicKey(voter), signature))
      return this.reject(from, 'vote', 'bad signature');
    const qc = votes.add(vote, voter, signature);
    if (!qc) return;
    checker.assembled(qc);
    await this.processQc(qc);
    if (!this.tree.get(vote.blockHash))
      this.requestBlock(vote.blockHash, roster.nodeId(roster.leader(vote.view)));
    if (!bootstrap && vote.view + 1 > this.p.pacemaker.view()) this.enterView(vote.view + 1, 'qc');
    await this.proposer.tryPropose();
  }

  async onNewView(message: NewViewMessage, from: NodeId): Promise<void> {
    const { roster, checker, newViews } = this.session;
    if (message.epoch !== roster.epoch || !roster.has(message.sender))
      return this.reject(from, 'new-view', 'not of this validator set');
    if (message.view <= this.tree.root().view || newViews.has(message.view, message.sender)) return;
    if (!checker.newView(message.epoch, message.view, roster.publicKey(message.sender), message.signature)) {
      return this.reject(from, 'new-view', 'bad signature');
    }
    if (message.highQc) {
      const verdict = checker.qc(message.highQc);
      if (!verdict.ok) return this.reject(from, 'new-view', `high QC: ${verdict.reason}`);
      await this.processQc(message.highQc);
    }
    newViews.add(message.view, message.sender);
    if (message.view > this.p.pacemaker.view() && newViews.hasWeakQuorum(message.view)) {
      // Enough of the power moved on that an honest validator is among them: follow.
      this.enterView(message.view, 'new-view');
      this.sendNewView(message.view);
    }
    await this.proposer.tryPropose();
  }

  async onTimeout(view: number): Promise<void> {
    if (!this.active || view !== this.p.pacemaker.view()) return;
    this.p.pacemaker.recordTimeout();
    this.p.emitter.emit('timeout', { view, nextTimeoutMs: this.p.pacemaker.timeoutMs() });
    this.enterView(view + 1, 'timeout');
    this.sendNewView(view + 1);
    await this.proposer.tryPropose();
  }

  private onBlockRequest(message: BlockRequestMessage, from: NodeId): void {
    const max = Math.min(message.maxBlocks, this.p.settings.maxFetchBlocks);
    const blocks = collectAncestors(this.tree, this.p.store, message.hash, message.floorHeight, max);
    if (blocks.length === 0) return;
    const response: BlockResponseMessage = { type: 'block-response', blocks };
    this.p.transport.send(from, encodeMessage(response));
  }

  private async onBlockResponse(message: BlockResponseMessage, from: NodeId): Promise<void> {
    await this.adopt(message.blocks, from);
    await this.proposer.tryPropose();
  }

  /**
   * Takes certified blocks that arrived outside a proposal (fetched, or restored from the
   * pending-block store): parents first, each checked like a proposal except for voting.
   * Execution waits until a vote or a commit needs it (their roots are checked then).
   */
  async adopt(blocks: readonly Block[], from: NodeId, persisted = false): Promise<void> {
    const ordered = [...blocks].sort((a, b) => a.header.height - b.header.height);
    for (const block of ordered) {
      const hash = blockHash(block);
      if (this.tree.get(hash) || block.header.height <= this.tree.root().height) continue;
      const parent = this.tree.get(block.header.parentHash);
      const why = parent ? (checkAgainstParent(block, parent) ?? this.checkShape(block)) : 'parent unknown';
      if (why) {
        this.reject(from, 'block-response', why);
        continue;
      }
      await this.processQc(block.justify);
      const node = await this.insert(block, hash);
      if (node) node.persisted = persisted;
    }
  }

  /** A verified QC: certifies its block, raises the high QC and the lock, and may commit. */
  async processQc(qc: QuorumCertificate): Promise<void> {
    const before = this.tree.highQc()?.vote.view ?? -1;
    const node = this.tree.certify(qc);
    this.p.safety.observeQc(qc);
    if (qc.vote.view > before) {
      this.p.pacemaker.progress();
      this.p.emitter.emit('qc', { qc });
    }
    if (node) await this.checkCommit(node);
  }

  /** The two-chain rule: certified `child` commits its parent when their views are consecutive. */
  private async checkCommit(child: TreeNode): Promise<void> {
    const parent = this.tree.parent(child);
    const root = this.tree.root();
    if (
      !parent ||
      parent === root ||
      !child.qc ||
      child.view !== parent.view + 1 ||
      parent.height <= root.height
    )
      return;
    await this.p.committer.commit(this.tree, this.session, parent, child);
    this.session.votes.prune(this.tree.root().view);
    this.session.newViews.prune(this.tree.root().view);
  }

  enterView(view: number, reason: ViewChangeReason): void {
    if (!this.p.pacemaker.enter(view)) return;
    this.p.emitter.emit('view', { view, reason });
    this.session.votes.prune(view - 1);
    this.session.newViews.prune(view);
    const root = this.tree.root();
    if (!root.qc && !this.tree.highQc() && root.epoch === this.session.roster.epoch)
      this.sendVote(root, view);
  }

  /** Moves to `view` by timeout or to follow others: tells everyone, with the highest QC known. */
  sendNewView(view: number): void {
    const { me, roster, newViews } = this.session;
    const key = this.p.key;
    if (me === undefined || !key || view <= this.newViewSentFor) return;
    this.newViewSentFor = view;
    newViews.add(view, me);
    const message: NewViewMessage = {
      type: 'new-view',
      epoch: roster.epoch,
      view,
      sender: me,
      highQc: this.tree.highQc(),
      signature: signBytes(key, newViewSignBytes(this.p.chainId, roster.epoch, view)),
    };
    this.p.transport.broadcast(encodeMessage(message));
  }

  /**
   * Signs a prepare vote for `block` and sends it to the leader of `view` (handled here when
   * that is us). Also used for an uncertified committed tip (a fresh genesis): a vote for a
   * final block cannot conflict with anything, so it bypasses the vote guard.
   */
  private sendVote(block: TreeNode, view: number): void {
    const { me, roster } = this.session;
    const key = this.p.key;
    if (me === undefined || !key) return;
    const vote: Vote = {
      epoch: block.epoch,
      view: block.view,
      height: block.height,
      blockHash: block.hash,
      phase: 'prepare',
    };
    const message: VoteMessage = {
      type: 'vote',
      vote,
      voter: me,
      signature: signVote(key, this.p.chainId, vote),
    };
    const leader = roster.leader(view);
    // Our own vote goes through the queue like anyone's (and is dropped if we pause meanwhile).
    if (leader === me) this.p.schedule(() => this.onMessage(this.p.transport.self, message));
    else this.p.transport.send(roster.nodeId(leader), encodeMessage(message));
  }

  requestBlock(hash: Uint8Array, to: NodeId | undefined): void {
    if (!this.p.fetcher.shouldRequest(hash)) return;
    const request: BlockRequestMessage = {
      type: 'block-request',
      hash,
      floorHeight: this.tree.root().height,
      maxBlocks: this.p.settings.maxFetchBlocks,
    };
    const bytes = encodeMessage(request);
    if (to !== undefined && to !== this.p.transport.self) this.p.transport.send(to, bytes);
    else this.p.transport.broadcast(bytes);
  }

  private reject(from: NodeId, type: ConsensusMessage['type'], reason: string): void {
    this.p.logger.debug({ from, type, reason }, 'message refused');
    this.p.emitter.emit('rejected', { from, type, reason });
  }
}

function unreachable(message: never): never {
  throw new InvalidArgumentError('arg.invalid', `not a consensus message: ${JSON.stringify(message)}`);
}
