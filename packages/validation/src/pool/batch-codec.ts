import type { SignatureCheck } from '../backends/signature-backend.js';

/*
 * The wire format of a batch of signature checks between the main thread and a worker:
 * one ArrayBuffer, transferred (not cloned). Checks of one QC share their message, so
 * messages are stored once and referenced by index.
 *
 *   u32 checkCount, u32 messageCount,
 *   messageCount × (u32 length, bytes),
 *   checkCount × (u32 messageIndex, 32-byte public key, 64-byte signature)
 *
 * Packing is the one copy a check makes on its way to a worker; unpacking returns views.
 */

const CHECK_FIXED = 4 + 32 + 64;

/** Packs `checks[start, end)` into a fresh ArrayBuffer. */
export function packChecks(checks: readonly SignatureCheck[], start: number, end: number): ArrayBuffer {
  const messageIndex = new Map<Uint8Array, number>();
  const messages: Uint8Array[] = [];
  let size = 8;
  for (let i = start; i < end; i++) {
    const m = checks[i]!.message;
    if (!messageIndex.has(m)) {
      messageIndex.set(m, messages.length);
      messages.push(m);
      size += 4 + m.length;
    }
  }
  size += (end - start) * CHECK_FIXED;
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  view.setUint32(0, end - start, true);
  view.setUint32(4, messages.length, true);
  let pos = 8;
  for (const m of messages) {
    view.setUint32(pos, m.length, true);
    bytes.set(m, pos + 4);
    pos += 4 + m.length;
  }
  for (let i = start; i < end; i++) {
    const c = checks[i]!;
    view.setUint32(pos, messageIndex.get(c.message)!, true);
    // A wrong-length key or signature cannot be valid; pack zeros (which the rule refuses)
    // rather than let a short field shift every check after it.
    if (c.publicKey.length === 32) bytes.set(c.publicKey, pos + 4);
    if (c.signature.length === 64) bytes.set(c.signature, pos + 36);
    else bytes.fill(0xff, pos + 36 + 32, pos + CHECK_FIXED); // S = 2^256 − 1 ≥ L: refused
    pos += CHECK_FIXED;
  }
  return buffer;
}

/** The checks of a packed batch, as views into `buffer`. */
export function unpackChecks(buffer: ArrayBuffer): SignatureCheck[] {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const count = view.getUint32(0, true);
  const messageCount = view.getUint32(4, true);
  const messages: Uint8Array[] = new Array(messageCount);
  let pos = 8;
  for (let i = 0; i < messageCount; i++) {
    const length = view.getUint32(pos, true);
    messages[i] = bytes.subarray(pos + 4, pos + 4 + length);
    pos += 4 + length;
  }
  const checks: SignatureCheck[] = new Array(count);
  for (let i = 0; i < count; i++) {
    checks[i] = {
      message: messages[view.getUint32(pos, true)]!,
      publicKey: bytes.subarray(pos + 4, pos + 36),
      signature: bytes.subarray(pos + 36, pos + CHECK_FIXED),
    };
    pos += CHECK_FIXED;
  }
  return checks;
}
