import { DecodeError, InvalidArgumentError } from '../errors.js';

/** Largest integer hotsync accepts for heights, views, epochs and timestamps (2^53 - 1). */
export const MAX_SAFE_U64 = Number.MAX_SAFE_INTEGER;

export function assertSafeU64(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      'arg.not-safe-integer',
      `${name} must be a safe non-negative integer, got ${value}`,
    );
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order: negative when a < b. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new InvalidArgumentError('arg.invalid', `not a hex string: ${hex.slice(0, 20)}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** 8-byte big-endian encoding of a height (the key format of every height-indexed table). */
export function u64be(value: number): Uint8Array {
  assertSafeU64(value, 'value');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function readU64be(bytes: Uint8Array, offset = 0): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
  if (v > BigInt(MAX_SAFE_U64))
    throw new DecodeError('decode.unsafe-integer', `u64 ${v} exceeds 2^53-1`, offset);
  return Number(v);
}

/**
 * Appends fixed-width big-endian fields to a growing buffer. Used by every encoder so all
 * encodings follow the same canonical rules.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      throw new InvalidArgumentError('arg.out-of-range', `u16 ${v}`);
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new InvalidArgumentError('arg.out-of-range', `u32 ${v}`);
    }
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  /** A safe-integer number as u64. */
  u64(v: number): this {
    assertSafeU64(v, 'u64 field');
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt(v));
    this.pos += 8;
    return this;
  }

  /** A bigint as u64 (voting power, balances). */
  u64n(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new InvalidArgumentError('arg.out-of-range', `u64 ${v}`);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }

  /** Raw bytes of a length fixed by the format (hashes, keys, signatures). */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) {
      throw new InvalidArgumentError('arg.length', `expected ${length} bytes, got ${bytes.length}`);
    }
    this.ensure(length);
    this.buf.set(bytes, this.pos);
    this.pos += length;
    return this;
  }

  /** Raw bytes with no prefix (the reader must know their length). */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** u32 length prefix followed by the bytes. */
  bytes(bytes: Uint8Array): this {
    this.u32(bytes.length);
    return this.raw(bytes);
  }

  get length(): number {
    return this.pos;
  }

  /** The written bytes (a view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Reads fixed-width big-endian fields and throws DecodeError on any defect. Byte fields are
 * returned as subarrays of the input (no copies); callers that keep them past the input's
 * lifetime copy them.
 */
export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError(
        'decode.truncated',
        `truncated ${what}: need ${n} bytes, have ${this.remaining}`,
        this.pos,
      );
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    const v = this.view.getUint8(this.pos);
    this.pos += 1;
    return v;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** u64 that must fit a safe integer. */
  u64(what = 'u64'): number {
    this.need(8, what);
    const at = this.pos;
    const v = this.view.getBigUint64(at);
    this.pos += 8;
    if (v > BigInt(MAX_SAFE_U64))
      throw new DecodeError('decode.unsafe-integer', `${what} ${v} exceeds 2^53-1`, at);
    return Number(v);
  }

  u64n(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  fixed(length: number, what = 'bytes'): Uint8Array {
    this.need(length, what);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** u32 length prefix and bytes, the length bounded by `max`. */
  bytes(max: number, what = 'bytes'): Uint8Array {
    const at = this.pos;
    const len = this.u32(`${what} length`);
    if (len > max) throw new DecodeError('decode.limit', `${what} length ${len} exceeds limit ${max}`, at);
    return this.fixed(len, what);
  }

  /** Throws when bytes are left over: every encoding is exact. */
  end(what: string): void {
    if (this.pos !== this.buf.length) {
      throw new DecodeError(
        'decode.trailing-bytes',
        `${this.remaining} trailing bytes after ${what}`,
        this.pos,
      );
    }
  }
}
