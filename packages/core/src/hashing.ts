import { createHash } from 'node:crypto';

/** Length of every hash hotsync computes or stores. */
export const HASH_LENGTH = 32;

/** The all-zero hash: "none" in fixed-size fields (e.g. no next validator set). */
export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);

/** Domain tags: every hash is bound to what it hashes, so one object can never pass for another. */
export const HashTag = {
  header: 'hs2/header/v1',
  qc: 'hs2/qc/v1',
  validatorSet: 'hs2/valset/v1',
  txLeaf: 'hs2/tx/leaf/v1',
  txNode: 'hs2/tx/node/v1',
  vote: 'hs2/vote/v1',
} as const;

const tagPrefixes = new Map<string, Buffer>();

function tagPrefix(tag: string): Buffer {
  let prefix = tagPrefixes.get(tag);
  if (!prefix) {
    prefix = Buffer.concat([Buffer.from(tag, 'ascii'), Buffer.from([0])]);
    tagPrefixes.set(tag, prefix);
  }
  return prefix;
}

/** `H(tag, bytes) = SHA-256(ascii(tag) ‖ 0x00 ‖ bytes)`. Extra parts are hashed in order, with no separators. */
export function taggedHash(tag: string, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256').update(tagPrefix(tag));
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Plain SHA-256. */
export function sha256(bytes: Uint8Array): Uint8Array {
  const d = createHash('sha256').update(bytes).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}
