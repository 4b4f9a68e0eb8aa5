import { decodeBalance, encodeBalance, MAX_BALANCE, type StateTx } from './tx-codec.js';
import type { StateView } from './working-set.js';

/** Outcome of one transaction: a failure names why, and the caller discards the whole call. */
export type TxOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: TxOutcome = { ok: true };

/** Executes one decoded transaction against the pending state (DESIGN §2 reference chain semantics). */
export function executeStateTx(state: StateView, tx: StateTx): TxOutcome {
  switch (tx.kind) {
    case 'put':
      state.set(tx.key, tx.value);
      return OK;
    case 'delete':
      state.set(tx.key, undefined);
      return OK;
    case 'transfer': {
      const from = balance(state, tx.from);
      if (from === undefined) return { ok: false, reason: 'sender balance is not an 8-byte u64' };
      if (from < tx.amount) return { ok: false, reason: `insufficient balance: ${from} < ${tx.amount}` };
      state.set(tx.from, encodeBalance(from - tx.amount));
      // Read after the debit, so a transfer to oneself nets out.
      const to = balance(state, tx.to);
      if (to === undefined) return { ok: false, reason: 'receiver balance is not an 8-byte u64' };
      if (to + tx.amount > MAX_BALANCE) return { ok: false, reason: 'receiver balance would overflow u64' };
      state.set(tx.to, encodeBalance(to + tx.amount));
      return OK;
    }
  }
}

function balance(state: StateView, key: Uint8Array): bigint | undefined {
  const value = state.get(key);
  return value === undefined ? 0n : decodeBalance(value);
}
