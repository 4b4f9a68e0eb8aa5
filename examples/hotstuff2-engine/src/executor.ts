import {
  type Block,
  bytesEqual,
  type ChainStore,
  decodeBlock,
  type Hash,
  StateExecutionError,
  type StateMachine,
  type TrustedPoint,
  toHex,
} from '@hotsync/core';
import { EngineError } from './errors.js';

/** What the executor needs of a block in the tree. */
export interface ExecutableNode {
  readonly key: string;
  readonly height: number;
  readonly block: Block | undefined;
  readonly stateRoot: Hash;
}

export type ExecutionOutcome =
  | { readonly ok: true; readonly root: Hash }
  | {
      readonly ok: false;
      readonly reason: 'root-mismatch' | 'execution-failed';
      /** The block that failed: it and its descendants are invalid. */
      readonly failed: ExecutableNode;
      readonly message: string;
    };

/** Placeholder key of the block a leader is building (its hash depends on the root being computed). */
const BUILDING = '';

/**
 * Speculative execution over the state machine (core's `applyBlocks`/`rollbackTo`/`prune`).
 * The state is always "committed state + one branch of uncommitted blocks": executing a block
 * on another branch rolls back to the common ancestor first. Committed blocks are pruned, so
 * they can never be rolled back. Invariant: `stateMachine.height() == committedHeight +
 * applied.length`.
 */
export class SpeculativeExecutor {
  private committed: { height: number; root: Hash };
  /** Keys of the blocks applied above the committed height, parents first. */
  private applied: string[] = [];
  /** How many of them a shared state machine's sync applied (committed, pruned: never ours to undo). */
  private foreign = 0;

  constructor(private readonly sm: StateMachine) {
    this.committed = { height: sm.height(), root: sm.root() };
  }

  committedHeight(): number {
    return this.committed.height;
  }

  /**
   * Brings the state to the committed point `point`, whose blocks `store` holds: replays
   * stored blocks when the state is behind, rolls speculation back when it is ahead, and
   * accepts a state that a shared state machine already moved further along stored blocks.
   */
  async reconcile(point: TrustedPoint, store: ChainStore): Promise<void> {
    let height = this.sm.height();
    const storeTip = store.tip()?.height ?? point.height;
    if (height > storeTip) {
      await this.sm.rollbackTo(Math.max(point.height, storeTip));
      height = this.sm.height();
    }
    this.applied = [];
    this.foreign = 0;
    if (height < point.height) {
      const blocks = storedBlocks(store, height + 1, point.height);
      const roots = await this.sm.applyBlocks(
        blocks.map((b) => ({ height: b.header.height, transactions: b.payload })),
        'last',
      );
      if (!bytesEqual(roots[0]!, point.stateRoot)) {
        throw new EngineError(
          'engine.state-mismatch',
          `replaying stored blocks to ${point.height} gave another root`,
        );
      }
      height = point.height;
    } else if (height > point.height) {
      // A shared state machine the sync already moved along committed, stored blocks.
      const above = storedBlocks(store, point.height + 1, height);
      if (!bytesEqual(above[above.length - 1]!.header.stateRoot, this.sm.root())) {
        throw new EngineError('engine.state-mismatch', `the state at ${height} is not the stored block's`);
      }
      for (const b of above) this.applied.push(toHex(storedHash(store, b.header.height)));
      this.foreign = this.applied.length;
    } else if (!bytesEqual(this.sm.root(), point.stateRoot)) {
      throw new EngineError(
        'engine.state-mismatch',
        `the state root at ${height} is not the committed block's (${toHex(point.stateRoot).slice(0, 16)}…)`,
      );
    }
    this.committed = { height: point.height, root: point.stateRoot };
    await this.sm.prune(point.height);
  }

  /** Makes the state "committed + `branch`" (nodes above the committed height, parents first), executing what is missing. */
  async ensureBranch(branch: readonly ExecutableNode[]): Promise<ExecutionOutcome> {
    this.checkInvariant();
    let common = 0;
    while (
      common < this.applied.length &&
      common < branch.length &&
      this.applied[common] === branch[common]!.key
    ) {
      common++;
    }
    if (common < this.applied.length) {
      await this.sm.rollbackTo(this.committed.height + common);
      this.applied.length = common;
      this.foreign = Math.min(this.foreign, common);
    }
    const todo = branch.slice(common);
    if (todo.length > 0) {
      let roots: Hash[];
      try {
        roots = await this.sm.applyBlocks(
          todo.map((n) => ({ height: n.height, transactions: blockOf(n).payload })),
          'each',
        );
      } catch (error) {
        if (!(error instanceof StateExecutionError) || error.height === undefined) throw error;
        const failed = todo.find((n) => n.height === error.height) ?? todo[0]!;
        return { ok: false, reason: 'execution-failed', failed, message: error.message };
      }
      for (let i = 0; i < todo.length; i++) {
        const node = todo[i]!;
        if (!bytesEqual(roots[i]!, node.stateRoot)) {
          await this.sm.rollbackTo(node.height - 1);
          return {
            ok: false,
            reason: 'root-mismatch',
            failed: node,
            message: `block ${node.height} claims root ${toHex(node.stateRoot).slice(0, 16)}…, execution gives ${toHex(roots[i]!).slice(0, 16)}…`,
          };
        }
        this.applied.push(node.key);
      }
    }
    const last = branch[branch.length - 1];
    return { ok: true, root: last ? last.stateRoot : this.committed.root };
  }

  /**
   * Executes a new block's transactions on top of `parentBranch` (the leader building a
   * proposal). A transaction that fails is left out and the rest tried again. The state stays
   * applied; `adopt` names the block once its hash is known.
   */
  async build(
    parentBranch: readonly ExecutableNode[],
    height: number,
    candidates: readonly Uint8Array[],
  ): Promise<{ readonly root: Hash; readonly transactions: Uint8Array[] } | undefined> {
    const base = await this.ensureBranch(parentBranch);
    if (!base.ok) return undefined;
    const transactions = [...candidates];
    for (;;) {
      try {
        const [root] = await this.sm.applyBlocks([{ height, transactions }], 'each');
        this.applied.push(BUILDING);
        return { root: root!, transactions };
      } catch (error) {
        const index = error instanceof StateExecutionError ? error.transactionIndex : undefined;
        if (index === undefined || index >= transactions.length) throw error;
        transactions.splice(index, 1); // nothing of the call was applied: drop the culprit, retry
      }
    }
  }

  /** Names the block `build` just executed. */
  adopt(key: string): void {
    if (this.applied[this.applied.length - 1] === BUILDING) this.applied[this.applied.length - 1] = key;
  }

  /** `branch` (parents first, already applied through `ensureBranch`) is committed: its undo data goes. */
  async commit(branch: readonly ExecutableNode[]): Promise<void> {
    const outcome = await this.ensureBranch(branch);
    if (!outcome.ok) {
      throw new EngineError(
        'engine.state-mismatch',
        `a certified block does not execute: ${outcome.message}`,
      );
    }
    const last = branch[branch.length - 1];
    if (!last) return;
    await this.sm.prune(last.height);
    this.applied.splice(0, branch.length);
    this.foreign = Math.max(0, this.foreign - branch.length);
    this.committed = { height: last.height, root: last.stateRoot };
  }

  /**
   * Undoes every uncommitted block this executor applied: the state is the committed one
   * again (before a pause or a sync). A state moved by someone else (a shared state machine
   * the sync advanced along committed blocks) is not ours to undo.
   */
  async rollbackSpeculation(): Promise<void> {
    const ours = this.applied.length > this.foreign;
    if (ours && this.sm.height() === this.committed.height + this.applied.length) {
      await this.sm.rollbackTo(this.committed.height + this.foreign);
    }
    this.applied.length = this.foreign;
  }

  private checkInvariant(): void {
    const expected = this.committed.height + this.applied.length;
    if (this.sm.height() !== expected) {
      throw new EngineError(
        'engine.state-mismatch',
        `the state machine is at ${this.sm.height()}, the engine expects ${expected}: something else moved it`,
      );
    }
  }
}

function blockOf(node: ExecutableNode): Block {
  if (!node.block)
    throw new EngineError('engine.state-mismatch', `block ${node.height} has no body to execute`);
  return node.block;
}

function storedBlocks(store: ChainStore, from: number, to: number): Block[] {
  const out: Block[] = [];
  for (const stored of store.iterateBlocks(from, to)) out.push(decodeBlock(stored.bytes));
  if (out.length !== to - from + 1) {
    throw new EngineError('engine.state-mismatch', `the store lacks blocks between ${from} and ${to}`);
  }
  return out;
}

function storedHash(store: ChainStore, height: number): Hash {
  for (const stored of store.iterateBlocks(height, height)) return stored.hash;
  throw new EngineError('engine.state-mismatch', `the store lacks block ${height}`);
}
