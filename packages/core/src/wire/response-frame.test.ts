import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { bytesEqual, concatBytes } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import { wireLimits } from './limits.js';
import {
  CHUNK_HEADER_LENGTH,
  decodeResponse,
  encodeResponse,
  MAX_ERROR_MESSAGE_BYTES,
  type ResponseChunk,
  ResponseLimitError,
  ResponseParser,
} from './response-frame.js';

const okChunk = fc.uint8Array({ maxLength: 300 }).map((payload): ResponseChunk => ({ code: 'ok', payload }));
const message = fc.string({ unit: 'grapheme', maxLength: 20 });
const errorChunk: fc.Arbitrary<ResponseChunk> = fc.oneof(
  fc
    .record({
      code: fc.constantFrom('invalid-request' as const, 'server-error' as const, 'unavailable' as const),
      message,
    })
    .map((c): ResponseChunk => c),
  fc
    .record({ retryAfterMs: fc.integer({ min: 0, max: 0xffffffff }), message })
    .map((c): ResponseChunk => ({ code: 'rate-limited', ...c })),
);
const response = fc
  .tuple(fc.array(okChunk, { maxLength: 6 }), fc.option(errorChunk, { nil: undefined }))
  .map(([oks, err]) => (err ? [...oks, err] : oks));

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

/** Offsets at which a whole number of chunks ends. */
function boundaries(chunks: readonly ResponseChunk[]): Set<number> {
  const ends = new Set([0]);
  let at = 0;
  for (const c of chunks) {
    at += encodeResponse([c]).length;
    ends.add(at);
  }
  return ends;
}

describe('response framing', () => {
  it('round-trips chunk sequences canonically', () => {
    fc.assert(
      fc.property(response, (chunks) => {
        const bytes = encodeResponse(chunks);
        const decoded = decodeResponse(bytes);
        expect(decoded).toEqual(chunks);
        expect(bytesEqual(encodeResponse(decoded), bytes)).toBe(true);
      }),
    );
  });

  it('parses the same chunks however the bytes are split, with payloads as views', () => {
    fc.assert(
      fc.property(response, fc.array(fc.nat(), { maxLength: 5 }), (chunks, cuts) => {
        const bytes = encodeResponse(chunks);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const parser = new ResponseParser();
        let from = 0;
        for (const p of [...points, bytes.length]) {
          parser.push(bytes.subarray(from, p));
          from = p;
        }
        expect(parser.end()).toEqual(chunks);
      }),
    );
    const single = encodeResponse([{ code: 'ok', payload: Uint8Array.of(1, 2, 3) }]);
    const [chunk] = decodeResponse(single);
    expect(chunk?.code === 'ok' && chunk.payload.buffer).toBe(single.buffer);
  });

  it('copies a chunk that arrives in many pieces once, not once per piece', () => {
    // Found by the wire fuzzer (test/src/reliability): joining every new piece to the bytes
    // pending made a 16 MiB chunk in 4 KiB pieces copy ~32 GiB, seconds of CPU per response.
    const payload = new Uint8Array(1 << 20).map((_, i) => i * 7);
    const bytes = encodeResponse([
      { code: 'ok', payload },
      { code: 'ok', payload: Uint8Array.of(9) },
    ]);
    const set = vi.spyOn(Uint8Array.prototype, 'set');
    let chunks: ResponseChunk[];
    let copied = 0;
    try {
      const parser = new ResponseParser();
      for (let at = 0; at < bytes.length; at += 1000) parser.push(bytes.subarray(at, at + 1000));
      chunks = parser.end();
      copied = set.mock.calls.reduce((n, [source]) => n + (source as ArrayLike<number>).length, 0);
    } finally {
      set.mockRestore();
    }
    expect(copied).toBeGreaterThan(0); // the pieces were joined (the spy sees copies)
    expect(copied).toBeLessThanOrEqual(bytes.length);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.code === 'ok' && bytesEqual(chunks[0]!.payload, payload)).toBe(true);
    expect(chunks[1]).toEqual({ code: 'ok', payload: Uint8Array.of(9) });
  });

  it('refuses a cut inside a chunk and anything after an error chunk', () => {
    fc.assert(
      fc.property(response, fc.uint8Array({ minLength: 1, maxLength: 4 }), (chunks, extra) => {
        const bytes = encodeResponse(chunks);
        const ends = boundaries(chunks);
        for (let cut = 0; cut < bytes.length; cut++) {
          if (ends.has(cut))
            expect(decodeResponse(bytes.subarray(0, cut))).toEqual(chunks.slice(0, [...ends].indexOf(cut)));
          else
            expect(decodeError(() => decodeResponse(bytes.subarray(0, cut))).code).toBe('decode.truncated');
        }
        if (chunks.at(-1)?.code !== undefined && chunks.at(-1)!.code !== 'ok') {
          expect(decodeError(() => decodeResponse(concatBytes(bytes, extra))).code).toBe(
            'decode.trailing-bytes',
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it('decodes garbage and single-byte mutations only when the result is canonical', () => {
    const check = (bytes: Uint8Array) => {
      let chunks: ResponseChunk[];
      try {
        chunks = decodeResponse(bytes, { limits: wireLimits({ maxMessageBytes: 1 << 16 }) });
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        return;
      }
      expect(bytesEqual(encodeResponse(chunks), bytes)).toBe(true);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), check));
    fc.assert(
      fc.property(response, fc.nat(), fc.integer({ min: 1, max: 255 }), (chunks, at, flip) => {
        const bytes = encodeResponse(chunks);
        if (bytes.length === 0) return;
        const mutated = bytes.slice();
        mutated[at % bytes.length]! ^= flip;
        check(mutated);
      }),
    );
  });

  it('names the limit a response broke, from the chunk header, before buffering the payload', () => {
    const limits = wireLimits({ maxMessageBytes: 100, maxResponseBytes: 1000, maxBlocksPerResponse: 3 });
    const limitOf = (fn: () => unknown) => {
      const err = decodeError(fn);
      expect(err).toBeInstanceOf(ResponseLimitError);
      return (err as ResponseLimitError).limit;
    };
    // Only the 5-byte header of a 1 MiB chunk arrives: refused already.
    const header = Uint8Array.of(0, 0, 0x10, 0, 0);
    expect(limitOf(() => new ResponseParser({ limits }).push(header))).toBe('message-bytes');
    const ok = (n: number): ResponseChunk => ({ code: 'ok', payload: new Uint8Array(n) });
    expect(limitOf(() => decodeResponse(encodeResponse([ok(1), ok(1), ok(1), ok(1)]), { limits }))).toBe(
      'chunks',
    );
    expect(limitOf(() => decodeResponse(encodeResponse([ok(1), ok(1)]), { limits, maxOkChunks: 1 }))).toBe(
      'chunks',
    );
    const big = encodeResponse([ok(100), ok(100), ok(100)]);
    expect(decodeResponse(big, { limits })).toHaveLength(3);
    expect(limitOf(() => decodeResponse(big, { limits: { ...limits, maxResponseBytes: 3 * 105 - 1 } }))).toBe(
      'response-bytes',
    );
  });

  it('refuses unknown result codes, non-UTF-8 messages and long messages; cuts long messages when encoding', () => {
    expect(decodeError(() => decodeResponse(Uint8Array.of(5, 0, 0, 0, 0))).code).toBe('decode.unknown-tag');
    expect(decodeError(() => decodeResponse(Uint8Array.of(2, 0, 0, 0, 1, 0xff))).code).toBe(
      'decode.non-canonical',
    );
    const long = new Uint8Array(CHUNK_HEADER_LENGTH + MAX_ERROR_MESSAGE_BYTES + 1).fill(0x61);
    long.set([3, 0, 0, 1, 1]);
    expect(decodeError(() => decodeResponse(long)).code).toBe('decode.limit');
    const encoded = encodeResponse([{ code: 'server-error', message: 'é'.repeat(200) }]);
    const [chunk] = decodeResponse(encoded);
    expect(chunk).toEqual({ code: 'server-error', message: 'é'.repeat(MAX_ERROR_MESSAGE_BYTES / 2) });
    // A leading BOM survives the round trip.
    const bom = encodeResponse([{ code: 'unavailable', message: '\ufeffx' }]);
    expect(bytesEqual(encodeResponse(decodeResponse(bom)), bom)).toBe(true);
    expect(() =>
      encodeResponse([
        { code: 'unavailable', message: '' },
        { code: 'ok', payload: new Uint8Array(1) },
      ]),
    ).toThrow(/must end the response/);
  });
});
