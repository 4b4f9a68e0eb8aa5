import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError, InvalidArgumentError } from '../errors.js';

/** Largest key the reference state accepts (bytes). */
export const MAX_STATE_KEY_BYTES = 1024;
/** Largest value the reference state accepts (bytes). */
export const MAX_STATE_VALUE_BYTES = 64 * 1024;
/** Balances are 8-byte big-endian u64 values. */
export const BALANCE_BYTES = 8;
export const MAX_BALANCE = 0xffff_ffff_ffff_ffffn;

/**
 * A transaction of the reference chain (the payload its blocks carry).
 * - `put` sets a key; `delete` removes it (a missing key is a no-op).
 * - `transfer` moves `amount` between two balances (missing balance = 0); it fails on an
 *   insufficient balance, an overflow of the receiver, or a balance value that is not 8 bytes.
 */
export type StateTx =
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: Uint8Array }
  | {
      readonly kind: 'transfer';
      readonly from: Uint8Array;
      readonly to: Uint8Array;
      readonly amount: bigint;
    };

const TAG_PUT = 1;
const TAG_DELETE = 2;
const TAG_TRANSFER = 3;

/**
 * Canonical encoding: `u8 tag`, then `put: bytes key, bytes value` | `delete: bytes key` |
 * `transfer: bytes from, bytes to, u64 amount` (bytes = u32 length ‖ bytes).
 * Throws InvalidArgumentError for a transaction the state would refuse (sizes, amount).
 */
export function encodeStateTx(tx: StateTx): Uint8Array {
  switch (tx.kind) {
    case 'put': {
      checkKey(tx.key, 'put key');
      checkValue(tx.value);
      const w = new ByteWriter(9 + tx.key.length + tx.value.length);
      return w.u8(TAG_PUT).bytes(tx.key).bytes(tx.value).finish();
    }
    case 'delete': {
      checkKey(tx.key, 'delete key');
      return new ByteWriter(5 + tx.key.length).u8(TAG_DELETE).bytes(tx.key).finish();
    }
    case 'transfer': {
      checkKey(tx.from, 'transfer from');
      checkKey(tx.to, 'transfer to');
      const w = new ByteWriter(17 + tx.from.length + tx.to.length);
      return w.u8(TAG_TRANSFER).bytes(tx.from).bytes(tx.to).u64n(tx.amount).finish();
    }
  }
}

/**
 * Decodes one transaction; throws DecodeError on any defect. Keys and values are views
 * into `bytes` (no copies).
 */
export function decodeStateTx(bytes: Uint8Array): StateTx {
  const r = new ByteReader(bytes);
  const tag = r.u8('tx.tag');
  let tx: StateTx;
  switch (tag) {
    case TAG_PUT: {
      const key = readKey(r, 'put.key');
      const value = r.bytes(MAX_STATE_VALUE_BYTES, 'put.value');
      tx = { kind: 'put', key, value };
      break;
    }
    case TAG_DELETE:
      tx = { kind: 'delete', key: readKey(r, 'delete.key') };
      break;
    case TAG_TRANSFER: {
      const from = readKey(r, 'transfer.from');
      const to = readKey(r, 'transfer.to');
      tx = { kind: 'transfer', from, to, amount: r.u64n('transfer.amount') };
      break;
    }
    default:
      throw new DecodeError('decode.unknown-tag', `unknown state transaction tag ${tag}`, 0);
  }
  r.end('state transaction');
  return tx;
}

/** 8-byte big-endian balance value. */
export function encodeBalance(amount: bigint): Uint8Array {
  if (amount < 0n || amount > MAX_BALANCE) {
    throw new InvalidArgumentError('arg.out-of-range', `balance ${amount} is not a u64`);
  }
  const out = new Uint8Array(BALANCE_BYTES);
  new DataView(out.buffer).setBigUint64(0, amount);
  return out;
}

/** Reads a balance value; undefined when it is not exactly 8 bytes. */
export function decodeBalance(value: Uint8Array): bigint | undefined {
  if (value.length !== BALANCE_BYTES) return undefined;
  return new DataView(value.buffer, value.byteOffset, BALANCE_BYTES).getBigUint64(0);
}

function readKey(r: ByteReader, what: string): Uint8Array {
  const at = r.offset;
  const key = r.bytes(MAX_STATE_KEY_BYTES, what);
  if (key.length === 0) throw new DecodeError('decode.length', `${what} is empty`, at);
  return key;
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length === 0 || key.length > MAX_STATE_KEY_BYTES) {
    throw new InvalidArgumentError(
      'arg.length',
      `${what} must be 1..${MAX_STATE_KEY_BYTES} bytes, got ${key.length}`,
    );
  }
}

function checkValue(value: Uint8Array): void {
  if (value.length > MAX_STATE_VALUE_BYTES) {
    throw new InvalidArgumentError(
      'arg.length',
      `value must be at most ${MAX_STATE_VALUE_BYTES} bytes, got ${value.length}`,
    );
  }
}
