import { type Block, blockHash, concatBytes, decodeBlock, encodeBlock, toHex, u64be } from '@hotsync/core';
import { open, type RootDatabase } from 'lmdb';

/**
 * Where a validator keeps the uncommitted blocks it voted for and their ancestors. Not
 * needed for safety (the VoteGuard is), but for liveness after a restart: a replica locked on
 * a QC must be able to extend its block, and if every validator restarts at once, no peer
 * holds that block any more. Written before each vote, pruned at each commit.
 */
export interface PendingBlockStore {
  /** Every block kept, in no particular order. */
  load(): Block[];
  put(blocks: readonly Block[]): Promise<void>;
  /** Forgets blocks at or below `height` (committed, or on a dropped branch). */
  prune(height: number): Promise<void>;
  close(): Promise<void>;
}

/** In memory: the default; survives a new engine instance only when the same object is passed in. */
export class MemoryPendingBlockStore implements PendingBlockStore {
  private readonly blocks = new Map<string, Block>();

  load(): Block[] {
    return [...this.blocks.values()];
  }

  async put(blocks: readonly Block[]): Promise<void> {
    for (const block of blocks) this.blocks.set(toHex(blockHash(block)), block);
  }

  async prune(height: number): Promise<void> {
    for (const [key, block] of this.blocks) if (block.header.height <= height) this.blocks.delete(key);
  }

  async close(): Promise<void> {}
}

/** In LMDB, keyed by height ‖ hash, so pruning is one range of keys. */
export class LmdbPendingBlockStore implements PendingBlockStore {
  private constructor(
    private readonly db: RootDatabase<Uint8Array, Uint8Array>,
    private readonly durable: boolean,
  ) {}

  /** `noSync` skips fsync (tests and throw-away nodes). */
  static open(path: string, options: { readonly noSync?: boolean } = {}): LmdbPendingBlockStore {
    const db = open<Uint8Array, Uint8Array>({
      path,
      encoding: 'binary',
      keyEncoding: 'binary',
      ...(options.noSync === true ? { noSync: true } : {}),
    });
    return new LmdbPendingBlockStore(db, options.noSync !== true);
  }

  load(): Block[] {
    const out: Block[] = [];
    for (const { value } of this.db.getRange()) out.push(decodeBlock(value));
    return out;
  }

  async put(blocks: readonly Block[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.db.transaction(() => {
      for (const block of blocks) {
        this.db.put(concatBytes(u64be(block.header.height), blockHash(block)), encodeBlock(block));
      }
    });
    if (this.durable) await this.db.flushed;
  }

  async prune(height: number): Promise<void> {
    const keys = [...this.db.getKeys({ end: u64be(height + 1) })];
    if (keys.length === 0) return;
    await this.db.transaction(() => {
      for (const key of keys) this.db.remove(key);
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
