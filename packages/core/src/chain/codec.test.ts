import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import {
  decodeBlock,
  decodeCommitProof,
  decodeHeader,
  decodeQc,
  decodeSnapshotChunk,
  decodeSnapshotManifest,
  decodeTrustAnchor,
  decodeValidatorSet,
  encodeBlock,
  encodeCommitProof,
  encodeHeader,
  encodeQc,
  encodeSnapshotChunk,
  encodeSnapshotManifest,
  encodeTrustAnchor,
  encodeValidatorSet,
  HEADER_LENGTH,
  hashOfEncodedBlock,
  headerHash,
  peekBlockHeight,
  validatorSetHash,
} from './codec.js';
import { DEFAULT_CODEC_LIMITS } from './limits.js';
import type { Block, BlockHeader, CommitProof, QuorumCertificate, ValidatorSet } from './types.js';
import { bitmapLength, setBit } from './validator-set.js';

// ---- arbitraries: valid values of every codec type ------------------------------------

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const small = fc.integer({ min: 0, max: 1_000_000 });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonZero32 = bytes32.filter((b) => b.some((x) => x !== 0));

const headerArb = (withNextSet: boolean): fc.Arbitrary<BlockHeader> =>
  fc.record({
    version: fc.constant(1),
    chainId: bytes32,
    epoch: small,
    height: u64,
    view: u64,
    parentHash: bytes32,
    justifyHash: bytes32,
    payloadHash: bytes32,
    stateRoot: bytes32,
    nextValidatorSetHash: withNextSet ? nonZero32 : fc.constant(new Uint8Array(32)),
    proposer: fc.integer({ min: 0, max: DEFAULT_CODEC_LIMITS.maxValidators - 1 }),
    timestampMs: u64,
  });

const qcArb: fc.Arbitrary<QuorumCertificate> = fc
  .record({
    epoch: small,
    view: u64,
    height: u64,
    blockHash: bytes32,
    phase: fc.constantFrom('prepare' as const, 'commit' as const),
    validatorCount: fc.integer({ min: 0, max: 20 }),
    seed: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
  })
  .chain((r) => {
    const signers = new Uint8Array(bitmapLength(r.validatorCount));
    let count = 0;
    for (let i = 0; i < r.validatorCount; i++) {
      if (r.seed[i]) {
        setBit(signers, i);
        count++;
      }
    }
    return fc
      .array(fc.uint8Array({ minLength: 64, maxLength: 64 }), { minLength: count, maxLength: count })
      .map(
        (signatures): QuorumCertificate => ({
          vote: { epoch: r.epoch, view: r.view, height: r.height, blockHash: r.blockHash, phase: r.phase },
          validatorCount: r.validatorCount,
          signers,
          signatures,
        }),
      );
  });

const validatorSetArb: fc.Arbitrary<ValidatorSet> = fc
  .record({
    epoch: small,
    validators: fc.uniqueArray(
      fc.record({ publicKey: bytes32, votingPower: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }) }),
      { minLength: 1, maxLength: 12, selector: (v) => Buffer.from(v.publicKey).toString('hex') },
    ),
  })
  .map((s) => ({
    epoch: s.epoch,
    validators: [...s.validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey)),
  }));

const blockArb: fc.Arbitrary<Block> = fc.boolean().chain((epochEnd) =>
  fc
    .record({
      header: headerArb(epochEnd),
      justify: qcArb,
      payload: fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
      nextValidatorSet: validatorSetArb,
    })
    .map(({ header, justify, payload, nextValidatorSet }) =>
      epochEnd ? { header, justify, payload, nextValidatorSet } : { header, justify, payload },
    ),
);

const commitProofArb: fc.Arbitrary<CommitProof> = fc.oneof(
  fc
    .record({ header: headerArb(false), qc: qcArb, child: headerArb(false), childQc: qcArb })
    .map((p) => ({ kind: 'two-chain' as const, ...p })),
  fc
    .record({ header: headerArb(true), qc: qcArb, commitQc: qcArb })
    .map((p) => ({ kind: 'double-cert' as const, ...p })),
);

/** One codec under test, its value type erased so all cases fit one table. */
interface CodecCase {
  name: string;
  arb: fc.Arbitrary<unknown>;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

function codecCase<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  encode: (v: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
): CodecCase {
  return { name, arb, encode: (v) => encode(v as T), decode };
}

const cases = [
  codecCase('BlockHeader', headerArb(false), encodeHeader, (b) => decodeHeader(b)),
  codecCase('QuorumCertificate', qcArb, encodeQc, (b) => decodeQc(b)),
  codecCase('ValidatorSet', validatorSetArb, encodeValidatorSet, (b) => decodeValidatorSet(b)),
  codecCase('Block', blockArb, encodeBlock, (b) => decodeBlock(b)),
  codecCase('CommitProof', commitProofArb, encodeCommitProof, (b) => decodeCommitProof(b)),
  codecCase(
    'TrustAnchor',
    fc.record({ chainId: bytes32, height: u64, blockHash: bytes32, validatorSet: validatorSetArb }),
    encodeTrustAnchor,
    (b) => decodeTrustAnchor(b),
  ),
  codecCase(
    'SnapshotManifest',
    fc.record({
      height: u64,
      blockHash: bytes32,
      stateRoot: bytes32,
      format: fc.integer({ min: 0, max: 0xffff }),
      chunkCount: fc.integer({ min: 0, max: 0xffffffff }),
      totalBytes: u64,
    }),
    encodeSnapshotManifest,
    decodeSnapshotManifest,
  ),
  codecCase(
    'SnapshotChunk',
    fc.record({
      stateRoot: bytes32,
      index: fc.integer({ min: 0, max: 0xffffffff }),
      data: fc.uint8Array({ maxLength: 300 }),
    }),
    encodeSnapshotChunk,
    (b) => decodeSnapshotChunk(b),
  ),
];

/** The canonical-encoding promise: bytes either fail with a DecodeError or are exactly the re-encoding of what they decode to. */
function expectRejectedOrCanonical(c: CodecCase, bytes: Uint8Array): void {
  let decoded: unknown;
  try {
    decoded = c.decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return;
  }
  expect(Buffer.from(c.encode(decoded)).equals(Buffer.from(bytes))).toBe(true);
}

describe.each(cases)('$name codec', (c) => {
  it('round-trips: decode(encode(x)) re-encodes to the same bytes and equal fields', () => {
    fc.assert(
      fc.property(c.arb, (value) => {
        const bytes = c.encode(value);
        const decoded = c.decode(bytes);
        expect(decoded).toEqual(value);
        expect(Buffer.from(c.encode(decoded)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('every single-byte mutation is rejected with a DecodeError or is itself canonical', () => {
    fc.assert(
      fc.property(c.arb, fc.integer({ min: 1, max: 255 }), (value, flip) => {
        const bytes = c.encode(value);
        for (let i = 0; i < bytes.length; i++) {
          const mutated = Uint8Array.from(bytes);
          mutated[i] = mutated[i]! ^ flip;
          expectRejectedOrCanonical(c, mutated);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('every truncation is rejected with a DecodeError', () => {
    fc.assert(
      fc.property(c.arb, (value) => {
        const bytes = c.encode(value);
        for (let len = 0; len < bytes.length; len++) {
          expect(() => c.decode(bytes.subarray(0, len))).toThrow(DecodeError);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('every extension is rejected with a DecodeError', () => {
    fc.assert(
      fc.property(c.arb, fc.uint8Array({ minLength: 1, maxLength: 70 }), (value, extra) => {
        const bytes = c.encode(value);
        const extended = new Uint8Array(bytes.length + extra.length);
        extended.set(bytes);
        extended.set(extra, bytes.length);
        expect(() => c.decode(extended)).toThrow(DecodeError);
      }),
      { numRuns: 100 },
    );
  });
});

describe('named decode defects', () => {
  const sample = fc.sample(blockArb, { numRuns: 1, seed: 7 })[0]!;

  function codeOf(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (err) {
      return err instanceof DecodeError ? err.code : `not a DecodeError: ${String(err)}`;
    }
    return undefined;
  }

  it('names trailing bytes, truncation and unsupported versions', () => {
    const bytes = encodeBlock(sample);
    expect(codeOf(() => decodeBlock(new Uint8Array([...bytes, 0])))).toBe('decode.trailing-bytes');
    expect(codeOf(() => decodeBlock(bytes.subarray(0, 10)))).toBe('decode.truncated');
    const v2 = Uint8Array.from(bytes);
    v2[1] = 2;
    expect(codeOf(() => decodeBlock(v2))).toBe('decode.unsupported-version');
  });

  it('names bitmap bits beyond n and popcount mismatches', () => {
    const qc: QuorumCertificate = {
      vote: { epoch: 0, view: 1, height: 1, blockHash: new Uint8Array(32), phase: 'prepare' },
      validatorCount: 5,
      signers: Uint8Array.of(0b00001),
      signatures: [new Uint8Array(64)],
    };
    const bytes = encodeQc(qc);
    const bitmapAt = 57 + 4;
    const beyond = Uint8Array.from(bytes);
    beyond[bitmapAt] = 0b100001; // bit 5 with n = 5
    expect(codeOf(() => decodeQc(beyond))).toBe('decode.bitmap-bits-beyond-n');
    const extraBit = Uint8Array.from(bytes);
    extraBit[bitmapAt] = 0b00011; // two bits, one signature
    expect(codeOf(() => decodeQc(extraBit))).toBe('decode.bitmap-popcount');
  });

  it('names values beyond safe integers and beyond limits', () => {
    const header = encodeHeader(sample.header);
    const huge = Uint8Array.from(header);
    huge[42] = 0xff; // top byte of the height
    expect(codeOf(() => decodeHeader(huge))).toBe('decode.unsafe-integer');
    const tooManyTx = Uint8Array.from(encodeBlock({ ...sample, payload: [] }));
    const countAt = HEADER_LENGTH + encodeQc(sample.justify).length;
    new DataView(tooManyTx.buffer).setUint32(countAt, DEFAULT_CODEC_LIMITS.maxTransactions + 1);
    expect(codeOf(() => decodeBlock(tooManyTx))).toBe('decode.limit');
  });

  it('names validator-order and zero-power defects', () => {
    const set: ValidatorSet = {
      epoch: 1,
      validators: [
        { publicKey: new Uint8Array(32).fill(1), votingPower: 5n },
        { publicKey: new Uint8Array(32).fill(2), votingPower: 7n },
      ],
    };
    const bytes = encodeValidatorSet(set);
    const swapped = Uint8Array.from(bytes);
    swapped.set(new Uint8Array(32).fill(3), 12); // first key now above the second
    expect(codeOf(() => decodeValidatorSet(swapped))).toBe('decode.validator-order');
    const zero = Uint8Array.from(bytes);
    zero.fill(0, 12 + 32, 12 + 40);
    expect(codeOf(() => decodeValidatorSet(zero))).toBe('decode.zero-voting-power');
  });

  it('requires the next validator set exactly when the header commits to one', () => {
    const set = fc.sample(validatorSetArb, { numRuns: 1, seed: 3 })[0]!;
    const withoutSet: Block = {
      header: { ...sample.header, nextValidatorSetHash: validatorSetHash(set) },
      justify: sample.justify,
      payload: sample.payload,
    };
    expect(codeOf(() => decodeBlock(encodeBlock(withoutSet)))).toBe('decode.next-validator-set');
  });

  it('reads height and hash of an encoded block without decoding it', () => {
    const bytes = encodeBlock(sample);
    expect(peekBlockHeight(bytes)).toBe(sample.header.height);
    expect(hashOfEncodedBlock(bytes)).toEqual(headerHash(sample.header));
  });
});
