import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import { DEFAULT_WIRE_LIMITS, wireLimits } from './limits.js';
import { parseProtocolId, protocolId, WIRE_METHODS } from './methods.js';
import { decodeRequest, encodeRequest, type WireRequest } from './request-codec.js';

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });

const requestArb: fc.Arbitrary<WireRequest> = fc.oneof(
  fc.constant<WireRequest>({ method: 'status' }),
  fc.constant<WireRequest>({ method: 'snapshot_manifest' }),
  fc
    .record({ startHeight: u64, count: fc.integer({ min: 1, max: DEFAULT_WIRE_LIMITS.maxBlocksPerRequest }) })
    .map((r): WireRequest => ({ method: 'blocks_by_range', ...r })),
  fc
    .array(hash, { minLength: 1, maxLength: DEFAULT_WIRE_LIMITS.maxHashesPerRequest })
    .map((hashes): WireRequest => ({ method: 'blocks_by_hash', hashes })),
  u64.map((height): WireRequest => ({ method: 'commit_proof', height })),
  u64.map((epoch): WireRequest => ({ method: 'epoch_change_proof', epoch })),
  fc
    .record({ stateRoot: hash, index: fc.integer({ min: 0, max: 0xffffffff }) })
    .map((r): WireRequest => ({ method: 'snapshot_chunk', ...r })),
);

function expectDecodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('protocol ids', () => {
  it('are /hotsync/<first 8 hex of the chain id>/<method>/1 and parse back', () => {
    const chainId = new Uint8Array(32).map((_, i) => i + 0xa0);
    expect(protocolId(chainId, 'blocks_by_range')).toBe('/hotsync/a0a1a2a3/blocks_by_range/1');
    for (const method of WIRE_METHODS) {
      expect(parseProtocolId(protocolId(chainId, method))).toEqual({ chainIdHex8: 'a0a1a2a3', method });
    }
    expect(parseProtocolId('/hotsync/a0a1a2a3/blocks_by_range/2')).toBeUndefined();
    expect(parseProtocolId('/hotsync/a0a1a2a3/gossip/1')).toBeUndefined();
    expect(() => protocolId(new Uint8Array(31), 'status')).toThrow(/32 bytes/);
  });
});

describe('request codec', () => {
  it('round-trips every request canonically', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const bytes = encodeRequest(request);
        const decoded = decodeRequest(request.method, bytes);
        expect(decoded).toEqual(request);
        expect(bytesEqual(encodeRequest(decoded), bytes)).toBe(true);
      }),
    );
  });

  it('refuses every truncation and extension with a DecodeError', () => {
    fc.assert(
      fc.property(requestArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (request, extra) => {
        const bytes = encodeRequest(request);
        for (let cut = 0; cut < bytes.length; cut++)
          expectDecodeError(() => decodeRequest(request.method, bytes.subarray(0, cut)));
        const extended = new Uint8Array(bytes.length + extra.length);
        extended.set(bytes);
        extended.set(extra, bytes.length);
        expect(expectDecodeError(() => decodeRequest(request.method, extended)).code).toBe(
          'decode.trailing-bytes',
        );
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a body of the wrong length even when the prefix agrees with it', () => {
    // status with a one-byte body: the prefix is consistent, the body is not empty.
    expect(expectDecodeError(() => decodeRequest('status', Uint8Array.of(0, 0, 0, 1, 7))).code).toBe(
      'decode.trailing-bytes',
    );
    expect(
      expectDecodeError(() => decodeRequest('commit_proof', Uint8Array.of(0, 0, 0, 4, 0, 0, 0, 1))).code,
    ).toBe('decode.truncated');
  });

  it('decodes garbage only when it is itself canonical', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WIRE_METHODS),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (method, body, consistentPrefix) => {
          const bytes = new Uint8Array(4 + body.length);
          new DataView(bytes.buffer).setUint32(0, consistentPrefix ? body.length : body.length + 1);
          bytes.set(body, 4);
          let decoded: WireRequest;
          try {
            decoded = decodeRequest(method, bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(DecodeError);
            return;
          }
          expect(bytesEqual(encodeRequest(decoded), bytes)).toBe(true);
        },
      ),
    );
  });

  it('checks limits before allocating', () => {
    const limits = wireLimits({ maxBlocksPerRequest: 16, maxHashesPerRequest: 4, maxRequestBytes: 1024 });
    const range = (count: number) => encodeRequest({ method: 'blocks_by_range', startHeight: 5, count });
    expect(decodeRequest('blocks_by_range', range(16), limits)).toMatchObject({ count: 16 });
    expect(expectDecodeError(() => decodeRequest('blocks_by_range', range(17), limits)).code).toBe(
      'decode.limit',
    );
    expect(expectDecodeError(() => decodeRequest('blocks_by_range', range(0), limits)).code).toBe(
      'decode.limit',
    );

    // A hash count far beyond the limit is refused from the count, before the hashes are read.
    const huge = Uint8Array.of(0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff);
    expect(expectDecodeError(() => decodeRequest('blocks_by_hash', huge, limits)).code).toBe('decode.limit');
    const hashes = Array.from({ length: 5 }, () => new Uint8Array(32));
    expect(
      expectDecodeError(() =>
        decodeRequest('blocks_by_hash', encodeRequest({ method: 'blocks_by_hash', hashes }), limits),
      ).code,
    ).toBe('decode.limit');
    // A declared length over maxRequestBytes is refused from the prefix alone.
    expect(expectDecodeError(() => decodeRequest('status', Uint8Array.of(0, 0, 4, 1), limits)).code).toBe(
      'decode.limit',
    );
    expect(() => wireLimits({ maxRequestBytes: 100, maxHashesPerRequest: 10 })).toThrow(/cannot hold/);
    expect(() => wireLimits({ maxBlocksPerRequest: 0 })).toThrow(/1\.\.2\^32-1/);
  });
});
