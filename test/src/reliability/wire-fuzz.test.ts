import {
  bytesEqual,
  DEFAULT_WIRE_LIMITS,
  DecodeError,
  decodeReply,
  decodeRequest,
  decodeResponse,
  encodeReply,
  encodeRequest,
  encodeResponse,
  interpretReply,
  maxItemsFor,
  protocolId,
  REQUEST_PREFIX_LENGTH,
  ResponseParser,
  serveRequest,
  WIRE_METHODS,
  type WireMethod,
  type WireRequest,
} from '@hotsync/core';
import { NetworkError } from '@hotsync/network';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTS } from './counts.js';
import { buildFuzzCorpus, type FuzzCorpus } from './fuzz-corpus.js';
import { InboundHarness } from './fuzz-inbound.js';
import { type FuzzInput, splitAt, splitsArb } from './fuzz-inputs.js';
import {
  HANG_BOUND_MS,
  HUGE_ALLOWANCE_BYTES,
  judged,
  judgedAsync,
  settledMemory,
  TargetTally,
} from './fuzz-oracle.js';
import {
  requestInputs as requestInputsOf,
  responseInputs as responseInputsOf,
} from './fuzz-protocol-inputs.js';

/*
 * Wire fuzzing (issue 11): for every protocol, the request decoder, the server handlers
 * (core's `serveRequest`, shared with simnet, and the network package's inbound handler)
 * and the response decoder (whole, and fed in pieces as a stream delivers them) get
 * COUNTS.fuzzInputs generated inputs each: random bytes, mutated valid messages,
 * truncations, huge length fields and out-of-range values. Each must end in a valid
 * decode or a typed error (DecodeError / ResponseLimitError with a `decode.*` code;
 * NetworkError `network.*` for a stream the handler ends), never an untyped throw, a hang
 * or an allocation sized by a claimed length. Replay: HOTSYNC_FUZZ_SEED=<seed>.
 */
const SEED = Number(process.env.HOTSYNC_FUZZ_SEED ?? 20_261_204);
const RUNS = COUNTS.fuzzInputs;
/** Memory the whole run may keep after a full collection (bounded, whatever the count). */
const RETAINED_LIMIT_BYTES = 48 << 20;
/**
 * Per-test timeout for the async targets, scaled to the count: a property still running
 * when vitest gives up keeps going in the background (its inputs resolve in microtasks) and
 * starves the next test's timers, which then reports a bogus hang.
 */
const ASYNC_TEST_TIMEOUT_MS = 120_000 + RUNS * 3;

let corpus: FuzzCorpus;
let inbound: InboundHarness;
const tallies: TargetTally[] = [];
let memoryBefore = 0;

function requestInputs(method: WireMethod): fc.Arbitrary<FuzzInput> {
  return requestInputsOf(corpus, method);
}

function responseInputs(method: WireMethod): fc.Arbitrary<FuzzInput> {
  return responseInputsOf(corpus, method);
}

function params(method: WireMethod, target: number): fc.Parameters<unknown> {
  // One seed per (method, target), derived from the printed one: a failure replays alone.
  return { seed: SEED + WIRE_METHODS.indexOf(method) * 16 + target, numRuns: RUNS, endOnFailure: true };
}

function tally(method: WireMethod, target: string): TargetTally {
  const t = new TargetTally(method, target);
  tallies.push(t);
  return t;
}

beforeAll(async () => {
  corpus = await buildFuzzCorpus();
  inbound = await InboundHarness.start({ chainId: corpus.chainId, store: corpus.store });
  memoryBefore = settledMemory();
  console.log(
    `wire fuzz: seed ${SEED} (replay: HOTSYNC_FUZZ_SEED=${SEED} npx vitest run test/src/reliability/wire-fuzz.test.ts), ${RUNS} inputs per protocol and target, ${WIRE_METHODS.length} protocols: ${WIRE_METHODS.map((m) => protocolId(corpus.chainId, m)).join(' ')}`,
  );
}, 60_000);

afterAll(async () => {
  await inbound?.stop();
  const total = tallies.reduce((n, t) => n + t.runs, 0);
  console.log(
    [
      `wire fuzz: ${total} inputs run (${tallies.length} protocol × target pairs)`,
      ...tallies.map((t) => `  ${t.summary()}`),
      `  inbound handler faults: ${JSON.stringify(inbound?.stats.inbound.faults)}`,
    ].join('\n'),
  );
});

describe('wire fuzzing: request decoders', () => {
  it.each(WIRE_METHODS)('%s: a typed DecodeError or a canonical decode', (method) => {
    const t = tally(method, 'request decoder');
    fc.assert(
      fc.property(requestInputs(method), (input) => {
        const request = judged(t, input, () => decodeRequest(method, input.bytes));
        // A decode is canonical: it is exactly what encoding the request gives back.
        if (request) expect(bytesEqual(encodeRequest(request), input.bytes)).toBe(true);
      }),
      params(method, 0),
    );
    expect(t.runs).toBe(RUNS);
  });
});

describe('wire fuzzing: server handlers', () => {
  it.each(WIRE_METHODS)(
    '%s: core serveRequest answers every input, and a client accepts its answer',
    (method) => {
      const t = tally(method, 'serveRequest');
      fc.assert(
        fc.property(requestInputs(method), (input) => {
          const chunks = judged(
            t,
            input,
            () => serveRequest(corpus.store, method, input.bytes, { chainId: corpus.chainId }),
            (answer) => encodeResponse(answer).length,
          );
          expect(chunks).toBeDefined(); // it answers, it never throws
          chunks!.forEach((c, i) => {
            if (c.code !== 'ok') expect(i).toBe(chunks!.length - 1);
          });
          let request: WireRequest;
          try {
            request = decodeRequest(method, input.bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(DecodeError);
            expect(chunks).toMatchObject([{ code: 'invalid-request' }]);
            return;
          }
          // Whatever it answers a decodable request, an honest client's decoder accepts.
          const reply = decodeReply(
            request as WireRequest & { method: typeof method },
            encodeResponse(chunks!),
          );
          if (!reply.ok) expect(['unavailable', 'server-error']).toContain(reply.error.code);
        }),
        params(method, 1),
      );
    },
  );

  it.each(WIRE_METHODS)(
    '%s: the network inbound handler finishes in time with the honest answer or a typed stream error',
    async (method) => {
      const t = tally(method, 'inbound handler');
      let next = 0;
      await fc.assert(
        fc.asyncProperty(requestInputs(method), splitsArb, async (input, splits) => {
          const peer = `fuzzer-${method}-${next++}`; // one peer per input: no quota or ban carries over
          const result = await judgedAsync(
            t,
            input,
            () => inbound.serve(method, splitAt(input.bytes, splits), peer),
            (r) => r.bytes.length * 2, // the answer as written, and joined for the check
          );
          expect(result!.finished).toBe(true);
          const prefix =
            input.bytes.length >= REQUEST_PREFIX_LENGTH
              ? new DataView(input.bytes.buffer, input.bytes.byteOffset).getUint32(0)
              : undefined;
          if (result!.error) {
            // Ended by the handler: typed, nothing written, and for the reason the bytes give.
            expect(result!.error).toBeInstanceOf(NetworkError);
            expect(result!.bytes).toHaveLength(0);
            const code = (result!.error as NetworkError).code;
            t.typed(code);
            if (prefix !== undefined && prefix > DEFAULT_WIRE_LIMITS.maxRequestBytes)
              expect(code).toBe('network.oversized-request');
            else expect(code).toBe('network.truncated-request');
            return;
          }
          expect(prefix).toBeDefined();
          expect(input.bytes.length).toBeGreaterThanOrEqual(REQUEST_PREFIX_LENGTH + prefix!);
          // Answered: byte for byte what core's handler answers the request it read (bytes
          // after the request that arrived later are never read).
          const honest = (bytes: Uint8Array) =>
            encodeResponse(serveRequest(corpus.store, method, bytes, { chainId: corpus.chainId }));
          const whole = honest(input.bytes);
          const exact = honest(input.bytes.subarray(0, REQUEST_PREFIX_LENGTH + prefix!));
          expect(bytesEqual(result!.bytes, whole) || bytesEqual(result!.bytes, exact)).toBe(true);
        }),
        params(method, 2),
      );
    },
    ASYNC_TEST_TIMEOUT_MS,
  );
});

describe('wire fuzzing: a requester that goes silent', () => {
  it.each(WIRE_METHODS)(
    '%s: the network inbound handler answers what is complete and cuts off the rest at its request deadline',
    async (method) => {
      const t = tally(method, 'inbound, stalled');
      let next = 0;
      await fc.assert(
        fc.asyncProperty(requestInputs(method), splitsArb, async (input, splits) => {
          const peer = `staller-${method}-${next++}`;
          const result = await judgedAsync(
            t,
            input,
            () => inbound.serve(method, splitAt(input.bytes, splits), peer, { stall: true }),
            (r) => r.bytes.length * 2,
          );
          expect(result!.finished).toBe(true); // never waits for a stream that stays open
          const prefix =
            input.bytes.length >= REQUEST_PREFIX_LENGTH
              ? new DataView(input.bytes.buffer, input.bytes.byteOffset).getUint32(0)
              : undefined;
          const oversized = prefix !== undefined && prefix > DEFAULT_WIRE_LIMITS.maxRequestBytes;
          const complete =
            prefix !== undefined && !oversized && input.bytes.length >= REQUEST_PREFIX_LENGTH + prefix;
          if (complete) {
            // A whole request needs no end of stream: it is answered as usual.
            expect(result!.error).toBeUndefined();
            const answer = (bytes: Uint8Array) =>
              encodeResponse(serveRequest(corpus.store, method, bytes, { chainId: corpus.chainId }));
            const exact = answer(input.bytes.subarray(0, REQUEST_PREFIX_LENGTH + prefix!));
            expect(bytesEqual(result!.bytes, exact) || bytesEqual(result!.bytes, answer(input.bytes))).toBe(
              true,
            );
            return;
          }
          expect(result!.error).toBeInstanceOf(NetworkError);
          expect(result!.bytes).toHaveLength(0);
          const code = (result!.error as NetworkError).code;
          t.typed(code);
          expect(code).toBe(oversized ? 'network.oversized-request' : 'network.inbound-timeout');
        }),
        params(method, 4),
      );
    },
    ASYNC_TEST_TIMEOUT_MS,
  );
});

describe('wire fuzzing: response decoders', () => {
  it.each(WIRE_METHODS)('%s: a typed error or a canonical reply, the same whole or in pieces', (method) => {
    const t = tally(method, 'response decoder');
    const requests = corpus.requests[method] as readonly WireRequest[];
    fc.assert(
      fc.property(
        responseInputs(method),
        fc.integer({ min: 0, max: requests.length - 1 }),
        splitsArb,
        (input, which, splits) => {
          const request = requests[which]! as WireRequest & { method: typeof method };
          const whole = judged(t, input, () => decodeReply(request, input.bytes));
          // The client's path: a parser fed piece by piece as the stream delivers them.
          let streamed: ReturnType<typeof decodeReply> | undefined;
          let streamedError: unknown;
          try {
            const parser = new ResponseParser({ maxOkChunks: maxItemsFor(request) });
            for (const piece of splitAt(input.bytes, splits)) {
              parser.push(piece);
              if (parser.done) break;
            }
            streamed = interpretReply(method, parser.end());
          } catch (err) {
            streamedError = err;
          }
          if (!whole) {
            // An error chunk ends the streamed read early, so only a decode error may differ.
            if (streamedError === undefined) expect(streamed!.ok).toBe(false);
            else expect(streamedError).toBeInstanceOf(DecodeError);
            return;
          }
          expect(streamedError).toBeUndefined();
          if (whole.ok) {
            // A decode is canonical: re-encoding the value gives the input back.
            expect(bytesEqual(encodeResponse(encodeReply(method, whole.value)), input.bytes)).toBe(true);
            expect(streamed!.ok).toBe(true);
            if (streamed!.ok)
              expect(bytesEqual(encodeResponse(encodeReply(method, streamed!.value)), input.bytes)).toBe(
                true,
              );
          } else {
            expect(
              bytesEqual(
                encodeResponse(decodeResponse(input.bytes, { maxOkChunks: maxItemsFor(request) })),
                input.bytes,
              ),
            ).toBe(true);
            expect(streamed).toEqual(whole);
          }
        },
      ),
      params(method, 3),
    );
  });
});

describe('wire fuzzing: the largest responses, in stream-sized pieces', () => {
  it('a maximal chunk in 16 KiB pieces is parsed in linear time, and its claim alone buys nothing', () => {
    // Noise frames are at most 64 KiB, so a big chunk reaches the parser in many pieces.
    const max = DEFAULT_WIRE_LIMITS.maxMessageBytes;
    const bytes = encodeResponse([{ code: 'ok', payload: new Uint8Array(max).fill(3) }]);
    const started = performance.now();
    const parser = new ResponseParser({ maxOkChunks: 1 });
    const before = process.memoryUsage().arrayBuffers;
    // The header and all but the last piece: nothing may be allocated for the claimed 16 MiB.
    for (let at = 0; at < bytes.length - 16_384; at += 16_384) parser.push(bytes.subarray(at, at + 16_384));
    const grewWhilePending = process.memoryUsage().arrayBuffers - before;
    parser.push(bytes.subarray(bytes.length - (bytes.length % 16_384 || 16_384)));
    const [chunk] = parser.end();
    const ms = performance.now() - started;
    console.log(
      `wire fuzz: a ${max}-byte chunk in 16 KiB pieces parsed in ${ms.toFixed(0)} ms; ${grewWhilePending} bytes allocated while pending`,
    );
    expect(chunk?.code === 'ok' && chunk.payload.length).toBe(max);
    expect(grewWhilePending).toBeLessThan(HUGE_ALLOWANCE_BYTES);
    expect(ms).toBeLessThan(HANG_BOUND_MS); // quadratic joining took ~20 s here; linear takes milliseconds
  });
});

describe('wire fuzzing: memory', () => {
  it('what the run keeps after a collection stays bounded', () => {
    const after = settledMemory();
    const retained = after - memoryBefore;
    console.log(
      `wire fuzz: memory retained after ${tallies.reduce((n, t) => n + t.runs, 0)} inputs: ${(retained / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(retained).toBeLessThan(RETAINED_LIMIT_BYTES);
  });
});
