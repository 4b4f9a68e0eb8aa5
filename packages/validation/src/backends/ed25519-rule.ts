/*
 * The Ed25519 verification rule hotsync uses, shared by every backend (README "Ed25519 rule").
 *
 * RFC 8032 §5.1.7 leaves room for libraries to disagree (non-canonical encodings, small-order
 * points, cofactored vs cofactorless equation), and a BFT chain cannot afford two nodes
 * disagreeing on whether a QC is valid. hotsync fixes one rule:
 *
 *   1. lengths: public key 32 bytes, signature 64 bytes;
 *   2. S (second half, little-endian) < L;
 *   3. A and R are canonical encodings (y < p);
 *   4. A and R are not of small order (y is not one of the five y-coordinates of the eight
 *      torsion points; this also covers the x = 0 "negative zero" encodings, which only
 *      exist for y = ±1);
 *   5. A decodes to a curve point;
 *   6. cofactorless equation, compared bytewise: encode([S]B − [k]A) == R with
 *      k = SHA-512(R ‖ A ‖ M) mod L over the bytes as received.
 *
 * Rules 1–4 are byte comparisons, done here in front of every backend. Rules 5–6 are what
 * OpenSSL's ED25519_verify does (node:crypto backend); the noble backend computes the same
 * equation with noble's point arithmetic (noble's own `verify` is cofactored).
 */

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

/** Why the byte-level pre-check refused a (key, signature) pair. */
export type Ed25519Rejection =
  | 'length'
  | 's-not-canonical'
  | 'a-not-canonical'
  | 'r-not-canonical'
  | 'a-small-order'
  | 'r-small-order';

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

function hexLe(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * The y-coordinates (canonical, sign bit clear) of the eight points of order dividing 8:
 * identity (y = 1), order 2 (y = p − 1), order 4 (y = 0), order 8 (two y values, each with
 * both signs of x). The test suite derives them from noble's torsion subgroup.
 */
export const SMALL_ORDER_Y: readonly Uint8Array[] = Object.freeze([
  hexLe('0000000000000000000000000000000000000000000000000000000000000000'),
  hexLe('0100000000000000000000000000000000000000000000000000000000000000'),
  hexLe('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
  hexLe('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
  hexLe('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
]);

/** True when the 32 little-endian bytes at `offset` are < L. */
export function isCanonicalScalar(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = bytes[offset + i]!;
    const l = L_LE[i]!;
    if (b < l) return true;
    if (b > l) return false;
  }
  return false; // equal to L
}

/** True when the point encoding at `offset` has y < p = 2^255 − 19 (the sign bit is ignored). */
export function isCanonicalPointEncoding(bytes: Uint8Array, offset = 0): boolean {
  // y >= p only when y's 255 bits are all ones except the low byte, which is >= 0xed.
  if ((bytes[offset + 31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true;
  return bytes[offset]! < 0xed;
}

/** True when the (canonical) point encoding at `offset` is one of the eight small-order points. */
export function isSmallOrderEncoding(bytes: Uint8Array, offset = 0): boolean {
  next: for (const y of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (bytes[offset + i] !== y[i]) continue next;
    if ((bytes[offset + 31]! & 0x7f) === y[31]) return true;
  }
  return false;
}

/** Rules 3–4 for a public key alone (backends cache the answer per key). */
export function checkPublicKey(publicKey: Uint8Array): Ed25519Rejection | undefined {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return 'length';
  if (!isCanonicalPointEncoding(publicKey)) return 'a-not-canonical';
  if (isSmallOrderEncoding(publicKey)) return 'a-small-order';
  return undefined;
}

/** Rules 1–4 for a signature's R and S (the key is checked by `checkPublicKey`). */
export function checkSignature(signature: Uint8Array): Ed25519Rejection | undefined {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return 'length';
  if (!isCanonicalScalar(signature, 32)) return 's-not-canonical';
  if (!isCanonicalPointEncoding(signature, 0)) return 'r-not-canonical';
  if (isSmallOrderEncoding(signature, 0)) return 'r-small-order';
  return undefined;
}

/** Rules 1–4: undefined when the pair may go to the curve arithmetic, else why not. */
export function precheck(publicKey: Uint8Array, signature: Uint8Array): Ed25519Rejection | undefined {
  return checkPublicKey(publicKey) ?? checkSignature(signature);
}
