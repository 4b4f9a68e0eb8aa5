import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HotsyncError } from '../errors.js';
import type { Checkpoint, PeerBan, StoredSnapshot } from '../interfaces/chain-store.js';
import { fixtureChain } from './blocks.fixture.js';
import {
  decodeCheckpoint,
  decodePeerBan,
  decodeStoreBase,
  decodeStoredSnapshot,
  decodeTrustedPoint,
  encodeCheckpoint,
  encodePeerBan,
  encodeStoreBase,
  encodeStoredSnapshot,
  encodeTrustedPoint,
  MAX_PEER_ID_BYTES,
  MAX_RECORD_TEXT_BYTES,
  STORED_SNAPSHOT_LENGTH,
} from './records.js';

function codeOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof HotsyncError) return error.code;
    throw error;
  }
  throw new Error('expected a throw');
}

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const text = (maxLength: number, minLength = 0) => fc.string({ unit: 'grapheme', minLength, maxLength });

const checkpoint: fc.Arbitrary<Checkpoint> = fc.record({
  height: u64,
  hash,
  atMs: u64,
  targetHeight: u64,
  strategy: text(40),
});
const ban: fc.Arbitrary<PeerBan> = fc.record({
  peer: text(60, 1),
  reason: text(200),
  sinceMs: u64,
  untilMs: u64,
});
const snapshot: fc.Arbitrary<StoredSnapshot> = fc.record({
  height: u64,
  blockHash: hash,
  stateRoot: hash,
  format: fc.integer({ min: 0, max: 0xffff }),
  chunkCount: fc.integer({ min: 0, max: 0xffffffff }),
  totalBytes: u64,
});

/** Every record codec: decode(encode(x)) == x, encode(decode(b)) == b, and exact length. */
const codecs = [
  { name: 'checkpoint', arb: checkpoint, encode: encodeCheckpoint, decode: decodeCheckpoint },
  { name: 'peer ban', arb: ban, encode: encodePeerBan, decode: decodePeerBan },
  { name: 'stored snapshot', arb: snapshot, encode: encodeStoredSnapshot, decode: decodeStoredSnapshot },
  {
    name: 'store base',
    arb: fc.record({ height: u64, hash }),
    encode: encodeStoreBase,
    decode: decodeStoreBase,
  },
] as const;

describe('store records', () => {
  for (const c of codecs) {
    it(`${c.name}: round trip is exact; truncated or extended encodings are refused`, () => {
      const encode = c.encode as (x: unknown) => Uint8Array;
      const decode = c.decode as (b: Uint8Array) => unknown;
      fc.assert(
        fc.property(c.arb as fc.Arbitrary<unknown>, (value) => {
          const bytes = encode(value);
          const decoded = decode(bytes);
          expect(decoded).toEqual(value);
          expect(encode(decoded)).toEqual(bytes);
          expect(codeOf(() => decode(bytes.subarray(0, bytes.length - 1)))).toBe('decode.truncated');
          const longer = new Uint8Array(bytes.length + 1);
          longer.set(bytes);
          expect(codeOf(() => decode(longer))).toBe('decode.trailing-bytes');
        }),
        { numRuns: 200 },
      );
    });
  }

  it('trusted point: round trip with its validator set', () => {
    for (const b of fixtureChain(12, { epochLength: 5 })) {
      const bytes = encodeTrustedPoint(b.tip);
      expect(decodeTrustedPoint(bytes)).toEqual(b.tip);
      expect(encodeTrustedPoint(decodeTrustedPoint(bytes))).toEqual(bytes);
      expect(codeOf(() => decodeTrustedPoint(bytes.subarray(0, bytes.length - 1)))).toBe('decode.truncated');
    }
  });

  it('a stored snapshot has a fixed length', () => {
    fc.assert(fc.property(snapshot, (s) => encodeStoredSnapshot(s).length === STORED_SNAPSHOT_LENGTH));
  });

  it('text fields keep a leading byte-order mark and refuse invalid UTF-8', () => {
    const withBom: Checkpoint = {
      height: 1,
      hash: new Uint8Array(32),
      atMs: 2,
      targetHeight: 3,
      strategy: '\uFEFFfast',
    };
    expect(decodeCheckpoint(encodeCheckpoint(withBom))).toEqual(withBom);
    const bytes = encodePeerBan({ peer: 'ab', reason: 'r', sinceMs: 0, untilMs: 0 });
    const broken = bytes.slice();
    broken[4] = 0xff; // first byte of the peer id
    expect(codeOf(() => decodePeerBan(broken))).toBe('decode.non-canonical');
  });

  it('text fields are bounded: over-long ones are refused when encoding and decoding', () => {
    const longPeer = { peer: 'p'.repeat(MAX_PEER_ID_BYTES + 1), reason: '', sinceMs: 0, untilMs: 0 };
    expect(codeOf(() => encodePeerBan(longPeer))).toBe('arg.length');
    expect(codeOf(() => encodePeerBan({ ...longPeer, peer: '' }))).toBe('arg.empty');
    const longStrategy = {
      height: 0,
      hash: new Uint8Array(32),
      atMs: 0,
      targetHeight: 0,
      strategy: 'é'.repeat(MAX_RECORD_TEXT_BYTES / 2 + 1),
    };
    expect(codeOf(() => encodeCheckpoint(longStrategy))).toBe('arg.length');
    // A length prefix beyond the bound is refused before anything is read.
    const forged = new Uint8Array(4 + 16);
    new DataView(forged.buffer).setUint32(0, MAX_PEER_ID_BYTES + 1);
    expect(codeOf(() => decodePeerBan(forged))).toBe('decode.limit');
  });

  it('wrong-length hashes and out-of-range numbers are refused when encoding', () => {
    const [genesis] = fixtureChain(0);
    expect(codeOf(() => encodeTrustedPoint({ ...genesis!.tip, hash: new Uint8Array(31) }))).toBe(
      'arg.length',
    );
    expect(codeOf(() => encodeTrustedPoint({ ...genesis!.tip, height: -1 }))).toBe('arg.not-safe-integer');
    expect(codeOf(() => encodeStoreBase({ height: 2 ** 53, hash: new Uint8Array(32) }))).toBe(
      'arg.not-safe-integer',
    );
  });
});
