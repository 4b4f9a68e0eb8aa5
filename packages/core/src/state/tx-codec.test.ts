import { describe, expect, it } from 'vitest';
import { DecodeError, InvalidArgumentError } from '../errors.js';
import {
  decodeBalance,
  decodeStateTx,
  encodeBalance,
  encodeStateTx,
  MAX_BALANCE,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_VALUE_BYTES,
  type StateTx,
} from './tx-codec.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function decodeError(data: Uint8Array): DecodeError {
  try {
    decodeStateTx(data);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('decoded without error');
}

describe('state transaction codec', () => {
  const samples: StateTx[] = [
    { kind: 'put', key: bytes('a'), value: bytes('value') },
    {
      kind: 'put',
      key: new Uint8Array(MAX_STATE_KEY_BYTES).fill(7),
      value: new Uint8Array(MAX_STATE_VALUE_BYTES),
    },
    { kind: 'put', key: bytes('empty value'), value: new Uint8Array(0) },
    { kind: 'delete', key: bytes('gone') },
    { kind: 'transfer', from: bytes('acct/1'), to: bytes('acct/2'), amount: 0n },
    { kind: 'transfer', from: bytes('acct/1'), to: bytes('acct/2'), amount: MAX_BALANCE },
  ];

  it.each(samples.map((tx) => [tx.kind, tx] as const))('round-trips a %s canonically', (_kind, tx) => {
    const encoded = encodeStateTx(tx);
    const decoded = decodeStateTx(encoded);
    expect(decoded).toEqual(tx);
    expect(encodeStateTx(decoded)).toEqual(encoded);
  });

  it('lays a put out as tag, length-prefixed key and value', () => {
    expect([...encodeStateTx({ kind: 'put', key: bytes('k'), value: bytes('vv') })]).toEqual([
      1, 0, 0, 0, 1, 0x6b, 0, 0, 0, 2, 0x76, 0x76,
    ]);
  });

  it('refuses to encode what the state would refuse', () => {
    const tooLongKey = new Uint8Array(MAX_STATE_KEY_BYTES + 1);
    expect(() => encodeStateTx({ kind: 'put', key: tooLongKey, value: bytes('v') })).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeStateTx({ kind: 'delete', key: new Uint8Array(0) })).toThrow(InvalidArgumentError);
    expect(() =>
      encodeStateTx({ kind: 'put', key: bytes('k'), value: new Uint8Array(MAX_STATE_VALUE_BYTES + 1) }),
    ).toThrow(InvalidArgumentError);
    expect(() => encodeStateTx({ kind: 'transfer', from: bytes('a'), to: bytes('b'), amount: -1n })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      encodeStateTx({ kind: 'transfer', from: bytes('a'), to: bytes('b'), amount: MAX_BALANCE + 1n }),
    ).toThrow(InvalidArgumentError);
  });

  it('names each decoding defect', () => {
    const put = encodeStateTx({ kind: 'put', key: bytes('k'), value: bytes('v') });
    expect(decodeError(Uint8Array.of(9)).code).toBe('decode.unknown-tag');
    expect(decodeError(new Uint8Array(0)).code).toBe('decode.truncated');
    expect(decodeError(put.subarray(0, put.length - 1)).code).toBe('decode.truncated');
    expect(decodeError(Uint8Array.of(...put, 0)).code).toBe('decode.trailing-bytes');
    expect(decodeError(Uint8Array.of(2, 0, 0, 0, 0)).code).toBe('decode.length');
    const longKey = new Uint8Array(5 + MAX_STATE_KEY_BYTES + 1);
    longKey.set([2, 0, 0, 0x04, 0x01]);
    expect(decodeError(longKey).code).toBe('decode.limit');
    const longValue = Uint8Array.of(1, 0, 0, 0, 1, 0x6b, 0, 1, 0, 1);
    expect(decodeError(longValue).code).toBe('decode.limit');
  });

  it('encodes balances as 8-byte big-endian u64 and refuses other widths', () => {
    expect([...encodeBalance(258n)]).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
    expect(decodeBalance(encodeBalance(MAX_BALANCE))).toBe(MAX_BALANCE);
    expect(decodeBalance(new Uint8Array(7))).toBeUndefined();
    expect(decodeBalance(new Uint8Array(9))).toBeUndefined();
    expect(() => encodeBalance(MAX_BALANCE + 1n)).toThrow(InvalidArgumentError);
  });
});
