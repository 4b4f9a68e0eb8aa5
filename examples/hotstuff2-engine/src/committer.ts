import {
  type Block,
  type ChainStore,
  type Clock,
  type CommitProof,
  type TypedEmitter,
  toHex,
} from '@hotsync/core';
import type { BlockTree, TreeNode } from './block-tree.js';
import { type HashedBlock, trustedPointOf, writeCommitted } from './chain-writer.js';
import { checkContinuation, planDelivery } from './delivery.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import type { ExecutableNode, SpeculativeExecutor } from './executor.js';
import type { PendingBlockStore } from './pending-store.js';
import type { Session } from './session.js';

export interface CommitterParts {
  readonly chainId: Uint8Array;
  readonly store: ChainStore;
  readonly executor: SpeculativeExecutor;
  readonly pending: PendingBlockStore;
  readonly clock: Clock;
  readonly emitter: TypedEmitter<EngineEvents>;
}

/**
 * Moves the committed tip: by consensus (`commit`, with a two-chain proof) or by sync
 * (`deliver`). Order per commit: execute (roots checked), write the store batch, then prune the
 * state's undo data and the tree: a crash between the two writes leaves the state ahead of the
 * store, which the next start rolls back.
 */
export class Committer {
  constructor(private readonly p: CommitterParts) {}

  /** Commits `block` and its uncommitted ancestors: `child` (view + 1) is certified. */
  async commit(tree: BlockTree, session: Session, block: TreeNode, child: TreeNode): Promise<void> {
    const path = tree.branch(block);
    const proof: CommitProof = {
      kind: 'two-chain',
      header: block.block!.header,
      qc: child.block!.justify,
      child: child.block!.header,
      childQc: child.qc!,
    };
    const executed = await this.p.executor.ensureBranch(path);
    if (!executed.ok) {
      // A quorum certified a block that does not execute: more than a third is faulty.
      throw new EngineError('engine.state-mismatch', `certified block does not execute: ${executed.message}`);
    }
    const blocks = path.map((n) => ({ block: n.block!, hash: n.hash }));
    await writeCommitted(this.p.store, this.p.clock, blocks, session.roster.set, proof);
    await this.p.executor.commit(path);
    tree.commit(block);
    await this.p.pending.prune(block.height);
    this.p.emitter.emit('committed', { blocks: blocks.map((b) => b.block), proof });
  }

  /**
   * Blocks brought by sync, in order from the committed height + 1. Those the store already
   * holds (it is the store the sync wrote into) only move the engine on; the rest are checked
   * to continue the committed chain (links, justify QCs, roots by execution) and committed.
   */
  async deliver(tree: BlockTree, session: Session, blocks: readonly Block[]): Promise<void> {
    const plan = planDelivery(blocks, tree.root().height, this.p.store);
    await this.p.executor.rollbackSpeculation();
    if (plan.stored.length > 0) {
      const last = plan.stored[plan.stored.length - 1]!;
      const set = this.p.store.validatorSet(last.block.header.epoch) ?? session.roster.set;
      const point = trustedPointOf(last, set);
      await this.p.executor.reconcile(point, this.p.store);
      tree.rebase({ point, block: last.block });
    }
    if (plan.fresh.length > 0) await this.commitFresh(tree, session, plan.fresh);
    await this.p.pending.prune(tree.root().height);
    this.p.emitter.emit('delivered', { fromHeight: blocks[0]!.header.height, toHeight: tree.root().height });
  }

  private async commitFresh(tree: BlockTree, session: Session, fresh: readonly HashedBlock[]): Promise<void> {
    const from = this.p.store.tip();
    if (!from || from.height !== tree.root().height) {
      throw new EngineError('engine.delivery', 'the store tip is not the engine’s committed tip');
    }
    const learned = checkContinuation(from, fresh, {
      chainId: this.p.chainId,
      qcValid: (block, sets) => {
        const verdict = session.checker.qc(block.justify, sets);
        return verdict.ok ? undefined : verdict.reason;
      },
    });
    const nodes: ExecutableNode[] = fresh.map(({ block, hash }) => ({
      key: toHex(hash),
      height: block.header.height,
      block,
      stateRoot: block.header.stateRoot,
    }));
    const executed = await this.p.executor.ensureBranch(nodes);
    if (!executed.ok)
      throw new EngineError(
        'engine.delivery',
        `delivered block ${executed.failed.height}: ${executed.message}`,
      );
    const set = learned[learned.length - 1] ?? from.validatorSet;
    const point = await writeCommitted(this.p.store, this.p.clock, fresh, set, undefined, learned);
    await this.p.executor.commit(nodes);
    const last = fresh[fresh.length - 1]!;
    tree.rebase({ point, block: last.block });
  }
}
