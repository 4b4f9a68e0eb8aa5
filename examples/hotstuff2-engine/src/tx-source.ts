import type { Random } from '@hotsync/core';
import { PayloadGenerator, type PayloadOptions } from '@hotsync/core/testing';

/** Where a leader takes the transactions of the block it proposes. */
export interface TransactionSource {
  /** Transactions for the block at `height` (may be empty). One the state refuses is left out of the block. */
  next(height: number): readonly Uint8Array[];
}

/** Empty blocks. */
export const noTransactions: TransactionSource = Object.freeze({ next: () => [] });

/**
 * Key-value transactions from core's PayloadGenerator (puts, deletes, transfers), the same
 * mix generated histories carry. Each leader has its own generator; a transaction of a block
 * that is never committed is simply lost (a demo workload, not a mempool).
 */
export function generatedTransactions(
  random: Random,
  options: Partial<PayloadOptions> = {},
): TransactionSource {
  const generator = new PayloadGenerator(random, {
    transactionsPerBlock: options.transactionsPerBlock ?? 8,
    valueBytes: options.valueBytes ?? 100,
    keySpace: options.keySpace ?? 5_000,
  });
  return { next: (height) => generator.next(height) };
}

/**
 * Transactions submitted on this node, taken by its own proposals in order (at most
 * `maxPerBlock` per block). Not gossiped: only blocks this node leads carry them.
 */
export class TransactionQueue implements TransactionSource {
  private readonly queue: Uint8Array[] = [];

  constructor(private readonly maxPerBlock = 256) {}

  submit(tx: Uint8Array): void {
    this.queue.push(tx);
  }

  pending(): number {
    return this.queue.length;
  }

  next(): readonly Uint8Array[] {
    return this.queue.splice(0, this.maxPerBlock);
  }
}
