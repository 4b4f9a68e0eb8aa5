import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNobleBackend } from './noble-backend.js';
import { createNodeBackend } from './node-backend.js';
import type { SignatureBackend } from './signature-backend.js';

// Third-party vectors stay in the shared directory beside the repository; never copied in.
const VECTORS = new URL('../../../../../shared/vectors/', import.meta.url);
const load = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, VECTORS), 'utf8')) as T;
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

interface Rfc8032 {
  tests: { name: string; publicKey: string; message: string; signature: string }[];
}
interface Wycheproof {
  numberOfTests: number;
  testGroups: {
    publicKey: { pk: string };
    tests: { tcId: number; comment: string; msg: string; sig: string; result: 'valid' | 'invalid' }[];
  }[];
}
interface SpeccheckCase {
  message: string;
  pub_key: string;
  signature: string;
}

const rfc = load<Rfc8032>('rfc8032-ed25519.json');
const wycheproof = load<Wycheproof>('wycheproof-ed25519.json');
const speccheck = load<SpeccheckCase[]>('ed25519-speccheck-cases.json');
const wycheproofCases = wycheproof.testGroups.flatMap((g) =>
  g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })),
);

const backends: [string, SignatureBackend][] = [
  ['node', createNodeBackend()],
  ['noble', createNobleBackend()],
];

describe.each(backends)('%s backend', (_name, backend) => {
  it('accepts RFC 8032 section 7.1 TEST 1-3', () => {
    expect(rfc.tests.map((t) => t.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3']);
    for (const t of rfc.tests) {
      expect(backend.verify(hex(t.publicKey), hex(t.message), hex(t.signature)), t.name).toBe(true);
    }
  });

  it('rejects RFC 8032 TEST 2 with one signature bit flipped or another message', () => {
    const t = rfc.tests[1]!;
    const sig = hex(t.signature);
    sig[10]! ^= 0x01;
    expect(backend.verify(hex(t.publicKey), hex(t.message), sig)).toBe(false);
    expect(backend.verify(hex(t.publicKey), hex('73'), hex(t.signature))).toBe(false);
  });

  it('gives the expected result on all 151 Wycheproof cases', () => {
    expect(wycheproofCases).toHaveLength(151);
    expect(wycheproof.numberOfTests).toBe(151);
    const wrong = wycheproofCases.filter(
      (t) => backend.verify(hex(t.pk), hex(t.msg), hex(t.sig)) !== (t.result === 'valid'),
    );
    expect(wrong.map((t) => `${t.tcId} ${t.comment}`)).toEqual([]);
  });

  it('agrees with verifyBatch', () => {
    const checks = wycheproofCases.map((t) => ({
      publicKey: hex(t.pk),
      message: hex(t.msg),
      signature: hex(t.sig),
    }));
    const batch = backend.verifyBatch!(checks);
    expect(Array.from(batch)).toEqual(
      checks.map((c) => (backend.verify(c.publicKey, c.message, c.signature) ? 1 : 0)),
    );
  });
});

describe('the two backends on the ed25519-speccheck edge cases', () => {
  const node = createNodeBackend();
  const noble = createNobleBackend();
  const results = speccheck.map((c) => ({
    node: node.verify(hex(c.pub_key), hex(c.message), hex(c.signature)),
    noble: noble.verify(hex(c.pub_key), hex(c.message), hex(c.signature)),
  }));

  it('agree on all 10 cases', () => {
    expect(speccheck).toHaveLength(10);
    expect(results.map((r) => r.noble)).toEqual(results.map((r) => r.node));
  });

  it('accept exactly case 3 (mixed-order A and R that satisfy the cofactorless equation)', () => {
    // 0-1 small-order A, 2 small-order R, 4-5 pass only the cofactored equation,
    // 6-7 S >= L, 8-9 non-canonical R: all refused by hotsync's rule.
    expect(results.map((r) => r.node)).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
