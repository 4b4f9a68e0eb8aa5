import {
  type Block,
  type BlockHeader,
  blockHash,
  type Clock,
  HEADER_VERSION,
  qcHash,
  type SigningKey,
  signBytes,
  type TypedEmitter,
  toHex,
  transactionsRoot,
  ZERO_HASH,
} from '@hotsync/core';
import type { BlockTree } from './block-tree.js';
import type { EngineEvents } from './events.js';
import type { SpeculativeExecutor } from './executor.js';
import { encodeMessage } from './message-codec.js';
import { type ProposalMessage, proposalSignBytes } from './messages.js';
import type { Pacemaker } from './pacemaker.js';
import type { Session } from './session.js';
import type { ConsensusTransport, NodeId } from './transport.js';
import type { TransactionSource } from './tx-source.js';

/** What the proposer reads of the replica it belongs to. */
export interface ProposerHost {
  readonly active: boolean;
  readonly tree: BlockTree;
  readonly session: Session;
  /** The leader handles its own proposal like anyone's (insert, vote). */
  onProposal(message: ProposalMessage, from: NodeId, own: boolean): Promise<void>;
  requestBlock(hash: Uint8Array, to: NodeId | undefined): void;
}

export interface ProposerParts {
  readonly chainId: Uint8Array;
  readonly key: SigningKey | undefined;
  readonly executor: SpeculativeExecutor;
  readonly pacemaker: Pacemaker;
  readonly transport: ConsensusTransport;
  readonly transactions: TransactionSource;
  readonly clock: Clock;
  readonly emitter: TypedEmitter<EngineEvents>;
  /** Runs a task in the engine's serial queue. */
  readonly schedule: (task: () => Promise<void>) => void;
  /** Wait between "ready to propose" and proposing: the block interval (default 100 ms). */
  readonly proposeDelayMs: number;
}

/**
 * The leader's side: in its view, once it holds a QC of the previous view (the happy path) or
 * new-views from a quorum (after a timeout), it waits `proposeDelayMs`, executes a new block on
 * top of the highest QC's block, signs and broadcasts it.
 */
export class Proposer {
  private proposedView = 0;
  private scheduledView = 0;

  constructor(
    private readonly p: ProposerParts,
    private readonly host: ProposerHost,
  ) {}

  /** Forgets a scheduled proposal (after a pause: the view is timed again from scratch). */
  reset(): void {
    this.scheduledView = this.proposedView;
  }

  async tryPropose(): Promise<void> {
    const { me, roster, newViews } = this.host.session;
    const view = this.p.pacemaker.view();
    if (!this.host.active || me === undefined || roster.leader(view) !== me) return;
    if (view <= this.proposedView || view <= this.scheduledView) return;
    const high = this.host.tree.highQc();
    if (!high || (high.vote.view !== view - 1 && !newViews.hasQuorum(view))) return;
    if (!this.host.tree.get(high.vote.blockHash)) {
      this.host.requestBlock(high.vote.blockHash, undefined);
      return;
    }
    this.scheduledView = view;
    this.p.clock.setTimeout(() => this.p.schedule(() => this.propose(view)), this.p.proposeDelayMs);
  }

  private async propose(view: number): Promise<void> {
    const { me, roster } = this.host.session;
    const key = this.p.key;
    if (
      !this.host.active ||
      me === undefined ||
      !key ||
      this.p.pacemaker.view() !== view ||
      view <= this.proposedView
    ) {
      return;
    }
    const tree = this.host.tree;
    const justify = tree.highQc();
    const parent = justify && tree.get(justify.vote.blockHash);
    if (!justify || !parent) return;
    const height = parent.height + 1;
    const built = await this.p.executor.build(tree.branch(parent), height, this.p.transactions.next(height));
    if (!built) return;
    const header: BlockHeader = {
      version: HEADER_VERSION,
      chainId: this.p.chainId,
      epoch: roster.epoch,
      height,
      view,
      parentHash: parent.hash,
      justifyHash: qcHash(justify),
      payloadHash: transactionsRoot(built.transactions),
      stateRoot: built.root,
      nextValidatorSetHash: ZERO_HASH, // live consensus keeps its validator set
      proposer: me,
      timestampMs: Math.max(this.p.clock.now(), parent.timestampMs),
    };
    const block: Block = { header, justify, payload: built.transactions };
    const hash = blockHash(block);
    this.p.executor.adopt(toHex(hash));
    this.proposedView = view;
    const message: ProposalMessage = {
      type: 'proposal',
      block,
      signature: signBytes(key, proposalSignBytes(this.p.chainId, hash)),
    };
    this.p.transport.broadcast(encodeMessage(message));
    this.p.emitter.emit('proposed', { view, height, hash });
    await this.host.onProposal(message, this.p.transport.self, true);
  }
}
