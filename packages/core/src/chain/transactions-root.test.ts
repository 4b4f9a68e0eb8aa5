import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_TRANSACTIONS_ROOT, transactionsRoot } from './transactions-root.js';

// An independent RFC 6962 (recursive split at the largest power of two) implementation.
function h(tag: string, ...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256').update(Buffer.from(`${tag}\0`, 'ascii'));
  for (const p of parts) hash.update(p);
  return hash.digest();
}
function rfc6962(leaves: Uint8Array[]): Buffer {
  if (leaves.length === 1) return h('hs2/tx/leaf/v1', leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return h('hs2/tx/node/v1', rfc6962(leaves.slice(0, k)), rfc6962(leaves.slice(k)));
}

describe('transactionsRoot', () => {
  it('matches the RFC 6962 tree shape for 1..40 transactions', () => {
    for (let n = 1; n <= 40; n++) {
      const txs = Array.from({ length: n }, (_, i) => Uint8Array.of(i, n));
      expect(Buffer.from(transactionsRoot(txs)).toString('hex')).toBe(rfc6962(txs).toString('hex'));
    }
  });

  it('gives the empty list its own root and cannot be fooled by a duplicated last leaf', () => {
    expect(transactionsRoot([])).toEqual(EMPTY_TRANSACTIONS_ROOT);
    const three = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    expect(transactionsRoot(three)).not.toEqual(transactionsRoot([...three, Uint8Array.of(3)]));
  });
});
