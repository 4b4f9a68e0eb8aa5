import { createHash, createPublicKey, verify } from 'node:crypto';
import { deriveSigningKey, signBytes } from '@hotsync/core';
import { Point } from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import {
  checkPublicKey,
  checkSignature,
  isCanonicalPointEncoding,
  isCanonicalScalar,
  isSmallOrderEncoding,
  precheck,
  SMALL_ORDER_Y,
} from './ed25519-rule.js';
import { createNobleBackend } from './noble-backend.js';
import { createNodeBackend } from './node-backend.js';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
};

/** The eight torsion points, from noble: multiples of a point of order 8. */
function torsionPoints(): Point[] {
  // A point of order 8: any small-order encoding from the list decodes to one; derive the
  // whole subgroup as its multiples so the test does not depend on the list it checks.
  let t8: Point | undefined;
  for (let y = 2n; y < 200n && !t8; y++) {
    try {
      const q = Point.fromBytes(le(y), false);
      const p = q.multiply(L - 1n, false).add(q); // [L]q: only the torsion part survives
      if (!p.is0() && p.double().double().double().is0() && !p.double().double().is0()) t8 = p;
    } catch {
      // y is not on the curve
    }
  }
  if (!t8) throw new Error('no order-8 point found');
  const out = [Point.ZERO];
  for (let i = 1; i < 8; i++) out.push(out[i - 1]!.add(t8));
  return out;
}

describe('the Ed25519 rule (pre-check)', () => {
  it('lists exactly the y-coordinates of the eight small-order points', () => {
    const ys = new Set(
      torsionPoints().map((p) => {
        const b = p.toBytes();
        b[31]! &= 0x7f;
        return Buffer.from(b).toString('hex');
      }),
    );
    expect(ys.size).toBe(5);
    expect(new Set(SMALL_ORDER_Y.map((y) => Buffer.from(y).toString('hex')))).toEqual(ys);
    for (const p of torsionPoints()) expect(isSmallOrderEncoding(p.toBytes())).toBe(true);
  });

  it('refuses S = L and above, accepts L - 1', () => {
    const sig = (s: bigint) => Uint8Array.from([...Point.BASE.toBytes(), ...le(s)]);
    expect(isCanonicalScalar(sig(L - 1n), 32)).toBe(true);
    expect(isCanonicalScalar(sig(L), 32)).toBe(false);
    expect(isCanonicalScalar(sig(L + 1n), 32)).toBe(false);
    expect(isCanonicalScalar(sig(2n ** 256n - 1n), 32)).toBe(false);
    expect(checkSignature(sig(L))).toBe('s-not-canonical');
  });

  it('refuses y >= p (either sign bit), accepts p - 1', () => {
    expect(isCanonicalPointEncoding(le(P - 1n))).toBe(true);
    expect(isCanonicalPointEncoding(le(P))).toBe(false);
    expect(isCanonicalPointEncoding(le(P + 18n))).toBe(false);
    const signed = le(P - 1n);
    signed[31]! |= 0x80;
    expect(isCanonicalPointEncoding(signed)).toBe(true);
    const big = le(P + 1n);
    big[31]! |= 0x80;
    expect(isCanonicalPointEncoding(big)).toBe(false);
    expect(checkPublicKey(le(P + 1n))).toBe('a-not-canonical');
  });

  it('refuses small-order A and R with either sign bit', () => {
    const identity = le(1n);
    const negZero = le(1n);
    negZero[31]! |= 0x80; // x = 0 with the sign bit: the "negative zero" encoding
    expect(checkPublicKey(identity)).toBe('a-small-order');
    expect(checkPublicKey(negZero)).toBe('a-small-order');
    expect(checkSignature(Uint8Array.from([...negZero, ...le(5n)]))).toBe('r-small-order');
  });

  it('passes real keys and signatures through untouched', () => {
    const key = deriveSigningKey('rule', 0);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = signBytes(key, msg);
    expect(precheck(key.publicKey, sig)).toBeUndefined();
    expect(checkPublicKey(new Uint8Array(31))).toBe('length');
    expect(checkSignature(new Uint8Array(65))).toBe('length');
  });

  it('makes both backends refuse a signature whose R is the identity, which OpenSSL alone accepts', () => {
    // With the secret scalar a known, R = identity and S = k·a mod L satisfy the
    // cofactorless equation: OpenSSL accepts it, the rule refuses small-order R.
    const seed = new Uint8Array(32).fill(7);
    const h = createHash('sha512').update(seed).digest();
    h[0]! &= 248;
    h[31]! &= 127;
    h[31]! |= 64;
    let a = 0n;
    for (let i = 31; i >= 0; i--) a = (a << 8n) | BigInt(h[i]!);
    const A = Point.BASE.multiply(a % L).toBytes();
    const R = le(1n);
    const msg = new Uint8Array([9]);
    const kh = createHash('sha512').update(R).update(A).update(msg).digest();
    let k = 0n;
    for (let i = 63; i >= 0; i--) k = (k << 8n) | BigInt(kh[i]!);
    const S = ((k % L) * (a % L)) % L;
    const sig = Uint8Array.from([...R, ...le(S)]);
    expect(createNodeBackend().verify(A, msg, sig)).toBe(false);
    expect(createNobleBackend().verify(A, msg, sig)).toBe(false);
    // The same equation without the pre-check: OpenSSL says yes.
    const keyObject = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(A).toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, msg, keyObject, sig)).toBe(true);
  });
});
