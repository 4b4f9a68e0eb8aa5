import { createHash } from 'node:crypto';
import { Point } from '@noble/ed25519';
import { checkPublicKey, checkSignature } from './ed25519-rule.js';
import type { SignatureBackend, SignatureCheck } from './signature-backend.js';

export interface NobleBackendOptions {
  /**
   * SHA-512 for the challenge hash. Default: node:crypto. Pass `sha512` from `@noble/hashes`
   * where node:crypto is unavailable. The backend never touches noble's global `hashes` slot.
   */
  readonly sha512?: (message: Uint8Array) => Uint8Array;
  /** Public keys whose decoded point is kept (default 4096). */
  readonly keyCacheSize?: number;
}

const L = Point.CURVE().n;

function nodeSha512(message: Uint8Array): Uint8Array {
  return createHash('sha512').update(message).digest();
}

function leToBigInt(bytes: Uint8Array, offset: number, length: number): bigint {
  let n = 0n;
  for (let i = offset + length - 1; i >= offset; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * Ed25519 in pure JavaScript with @noble/ed25519's point arithmetic (portable, independent of
 * OpenSSL; about 600 verifies/s). It does not call noble's `verify`: that is cofactored
 * (`[8](R + kA − SB) = 0`, with or without `zip215`), which accepts mixed-order A or R that
 * OpenSSL refuses. Instead it computes hotsync's cofactorless equation, exactly as OpenSSL
 * does: decode A strictly (`zip215 = false`: y < p, no x = 0 with the sign bit), then accept
 * iff `encode([S]B − [k]A)` equals the R bytes.
 */
export function createNobleBackend(options: NobleBackendOptions = {}): SignatureBackend {
  const sha512 = options.sha512 ?? nodeSha512;
  const cacheSize = options.keyCacheSize ?? 4096;
  const points = new Map<string, Point | null>();

  const decodeKey = (publicKey: Uint8Array): Point | null => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
    const cached = points.get(id);
    if (cached !== undefined) return cached;
    let point: Point | null = null;
    if (checkPublicKey(publicKey) === undefined) {
      try {
        point = Point.fromBytes(publicKey, false);
      } catch {
        point = null; // y is not the y of a curve point
      }
    }
    if (points.size >= cacheSize) points.delete(points.keys().next().value!);
    points.set(id, point);
    return point;
  };

  const verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    if (checkSignature(signature) !== undefined) return false;
    const A = decodeKey(publicKey);
    if (A === null) return false;
    const r = signature.subarray(0, 32);
    const s = leToBigInt(signature, 32, 32); // < L by the pre-check
    const input = new Uint8Array(64 + message.length);
    input.set(r, 0);
    input.set(publicKey, 32);
    input.set(message, 64);
    const k = leToBigInt(sha512(input), 0, 64) % L;
    // multiply(n, false) accepts n = 0 (returns the identity), which S or k may be.
    const check = Point.BASE.multiply(s, false).subtract(A.multiply(k, false)).toBytes();
    for (let i = 0; i < 32; i++) if (check[i] !== r[i]) return false;
    return true;
  };

  return {
    name: 'noble',
    verify,
    verifyBatch(checks: readonly SignatureCheck[]): Uint8Array {
      const out = new Uint8Array(checks.length);
      for (let i = 0; i < checks.length; i++) {
        const c = checks[i]!;
        out[i] = verify(c.publicKey, c.message, c.signature) ? 1 : 0;
      }
      return out;
    },
  };
}
