import fc from 'fast-check';

/**
 * Generated wire inputs (fast-check arbitraries) built from valid seed messages. Every
 * hotsync length is a fixed-width u32 (no varints), so "huge length prefixes" are u32s
 * claiming up to 4 GiB, written over a message's own length fields (its frame prefix,
 * each chunk header, and at random offsets, which is where nested lengths such as a
 * transaction count, a signer count or a chunk's data length live).
 */
export type FuzzKind = 'random' | 'mutated' | 'truncated' | 'huge-length' | 'out-of-range';
export const FUZZ_KINDS: readonly FuzzKind[] = [
  'random',
  'mutated',
  'truncated',
  'huge-length',
  'out-of-range',
];

export interface FuzzInput {
  readonly kind: FuzzKind;
  readonly bytes: Uint8Array;
  /** The claimed length written by a `huge-length` input (for the allocation check). */
  readonly claimed?: number;
}

export interface FuzzSeed {
  readonly bytes: Uint8Array;
  /** Offsets of u32 length fields of the framing (request prefix, chunk headers). */
  readonly lengthOffsets: readonly number[];
}

/** u32 values a hostile length field claims: GiBs, just past limits, the sign bit. */
export function hugeLengths(limits: readonly number[]): number[] {
  const values = [0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff, 0x40000000, 0x10000000, 1 << 24];
  for (const l of limits) values.push(l + 1, l, Math.min(0xffffffff, l * 2));
  return [...new Set(values.filter((v) => v >= 0 && v <= 0xffffffff))];
}

/** u64 values at and past the safe-integer edge, written over 8-byte windows. */
const HUGE_U64: readonly bigint[] = [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n, 2n ** 53n - 1n, 2n ** 32n, 0n];

type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    switch (m.op) {
      case 'flip':
        if (out.length > 0) out[m.at % out.length]! ^= 1 << m.bit;
        break;
      case 'set':
        if (out.length > 0) out[m.at % out.length] = m.value;
        break;
      case 'insert': {
        const at = m.at % (out.length + 1);
        const next = new Uint8Array(out.length + m.bytes.length);
        next.set(out.subarray(0, at), 0);
        next.set(m.bytes, at);
        next.set(out.subarray(at), at + m.bytes.length);
        out = next;
        break;
      }
      case 'delete': {
        if (out.length === 0) break;
        const at = m.at % out.length;
        const next = new Uint8Array(out.length - Math.min(m.length, out.length - at));
        next.set(out.subarray(0, at), 0);
        next.set(out.subarray(at + m.length), at);
        out = next;
        break;
      }
    }
  }
  return out;
}

function writeU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, value);
  return out;
}

function writeU64(bytes: Uint8Array, at: number, value: bigint): Uint8Array {
  const out = bytes.slice();
  if (at + 8 <= out.length) new DataView(out.buffer).setBigUint64(at, value);
  return out;
}

export interface WireInputOptions {
  /** Valid messages of the protocol. */
  readonly seeds: readonly FuzzSeed[];
  /** Valid-shaped messages with out-of-range fields, built by hand per protocol. */
  readonly outOfRange: readonly Uint8Array[];
  /** The limits a length field should be tried against (request/message/response bytes...). */
  readonly limits: readonly number[];
  /** Longest random input (default 512). */
  readonly maxRandomBytes?: number;
}

/** One input of each kind, the kinds equally likely. */
export function wireInputArb(options: WireInputOptions): fc.Arbitrary<FuzzInput> {
  const { seeds } = options;
  const seed = fc.integer({ min: 0, max: seeds.length - 1 }).map((i) => seeds[i]!);
  const huge = hugeLengths(options.limits);
  const random = fc
    .uint8Array({ maxLength: options.maxRandomBytes ?? 512 })
    .map((bytes): FuzzInput => ({ kind: 'random', bytes }));
  const mutated = fc
    .tuple(seed, fc.array(mutationArb, { minLength: 1, maxLength: 6 }))
    .map(([s, ms]): FuzzInput => ({ kind: 'mutated', bytes: mutate(s.bytes, ms) }));
  const truncated = fc
    .tuple(seed, fc.nat())
    .filter(([s]) => s.bytes.length > 0)
    .map(([s, cut]): FuzzInput => ({ kind: 'truncated', bytes: s.bytes.slice(0, cut % s.bytes.length) }));
  const hugeLength = fc
    .tuple(seed, fc.boolean(), fc.nat(), fc.constantFrom(...huge), fc.boolean())
    .map(([s, framing, pick, value, cutAfter]): FuzzInput => {
      // Either a framing length (prefix, chunk header) or any 4-byte window (nested lengths).
      const at =
        framing && s.lengthOffsets.length > 0
          ? s.lengthOffsets[pick % s.lengthOffsets.length]!
          : pick % Math.max(1, s.bytes.length - 3);
      const written = writeU32(s.bytes, at, value);
      // The bytes the length claims never arrive: cut right after the field, or keep the rest.
      return {
        kind: 'huge-length',
        bytes: cutAfter ? written.slice(0, Math.min(written.length, at + 4)) : written,
        claimed: value,
      };
    });
  const outOfRange = fc.oneof(
    fc
      .constantFrom(...(options.outOfRange.length > 0 ? options.outOfRange : [new Uint8Array(0)]))
      .map((bytes): FuzzInput => ({ kind: 'out-of-range', bytes })),
    fc.tuple(seed, fc.nat(), fc.constantFrom(...HUGE_U64)).map(
      ([s, at, value]): FuzzInput => ({
        kind: 'out-of-range',
        bytes: writeU64(s.bytes, at % Math.max(1, s.bytes.length - 7), value),
      }),
    ),
  );
  return fc.oneof(random, mutated, truncated, hugeLength, outOfRange);
}

/** Split points for feeding bytes in pieces (a stream delivers them however it likes). */
export const splitsArb: fc.Arbitrary<readonly number[]> = fc.array(fc.nat(), { maxLength: 6 });

export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  const cuts = [...new Set(points.map((p) => p % bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    if (cut > from) pieces.push(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

/** Counts per kind, for the printed summary. */
export function emptyKindCounts(): Record<FuzzKind, number> {
  return { random: 0, mutated: 0, truncated: 0, 'huge-length': 0, 'out-of-range': 0 };
}
