import type { Random } from '../random.js';
import { encodeBalance, encodeStateTx, type StateTx } from '../state/index.js';

export interface PayloadOptions {
  readonly transactionsPerBlock: number;
  readonly valueBytes: number;
  readonly keySpace: number;
}

const ACCOUNTS = 32;
const INITIAL_BALANCE = 1_000_000_000n;
const encoder = new TextEncoder();

/**
 * Transactions for generated blocks that always execute: it tracks which keys exist and
 * every account's balance, so deletes hit live keys and transfers never overdraw.
 * Mix: mostly puts, some deletes and transfers (enough to make execution non-trivial).
 */
export class PayloadGenerator {
  private readonly live = new Set<number>();
  private readonly balances: bigint[] = Array(ACCOUNTS).fill(0n);
  private funded = false;

  constructor(
    private readonly random: Random,
    private readonly options: PayloadOptions,
  ) {}

  next(_height: number): Uint8Array[] {
    const txs: StateTx[] = [];
    if (!this.funded) {
      // The first block funds the accounts that transfers move value between.
      for (let a = 0; a < ACCOUNTS; a++) {
        txs.push({ kind: 'put', key: accountKey(a), value: encodeBalance(INITIAL_BALANCE) });
        this.balances[a] = INITIAL_BALANCE;
      }
      this.funded = true;
    }
    for (let i = 0; i < this.options.transactionsPerBlock; i++) txs.push(this.randomTx());
    return txs.map(encodeStateTx);
  }

  /** A payload for a fork block: valid on its own, never executed. */
  forkPayload(): Uint8Array[] {
    return [encodeStateTx({ kind: 'put', key: encoder.encode('fork'), value: this.random.bytes(16) })];
  }

  private randomTx(): StateTx {
    const roll = this.random.float();
    if (roll < 0.15) {
      const from = this.random.int(0, ACCOUNTS - 1);
      const to = (from + this.random.int(1, ACCOUNTS - 1)) % ACCOUNTS;
      const amount = BigInt(this.random.int(1, 1_000));
      if (this.balances[from]! >= amount) {
        this.balances[from]! -= amount;
        this.balances[to]! += amount;
        return { kind: 'transfer', from: accountKey(from), to: accountKey(to), amount };
      }
    } else if (roll < 0.25 && this.live.size > 0) {
      const victim = this.pickLive();
      this.live.delete(victim);
      return { kind: 'delete', key: dataKey(victim) };
    }
    const k = this.random.int(0, this.options.keySpace - 1);
    this.live.add(k);
    return { kind: 'put', key: dataKey(k), value: this.random.bytes(this.options.valueBytes) };
  }

  private pickLive(): number {
    // Deterministic: sets iterate in insertion order.
    const skip = this.random.int(0, Math.min(this.live.size - 1, 63));
    let i = 0;
    for (const k of this.live) if (i++ === skip) return k;
    throw new Error('unreachable: live set shrank while picking');
  }
}

function accountKey(index: number): Uint8Array {
  return encoder.encode(`acct/${index}`);
}

function dataKey(index: number): Uint8Array {
  return encoder.encode(`k/${index}`);
}
