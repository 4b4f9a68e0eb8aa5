import { DEFAULT_CODEC_LIMITS, DEFAULT_WIRE_LIMITS, type WireMethod } from '@hotsync/core';
import type fc from 'fast-check';
import { type FuzzCorpus, outOfRangeRequests, outOfRangeResponses } from './fuzz-corpus.js';
import { type FuzzInput, wireInputArb } from './fuzz-inputs.js';

const REQUEST_LIMITS = [DEFAULT_WIRE_LIMITS.maxRequestBytes, DEFAULT_WIRE_LIMITS.maxHashesPerRequest];
const RESPONSE_LIMITS = [
  DEFAULT_WIRE_LIMITS.maxMessageBytes,
  DEFAULT_WIRE_LIMITS.maxResponseBytes,
  DEFAULT_CODEC_LIMITS.maxValidators,
  DEFAULT_CODEC_LIMITS.maxTransactions,
  DEFAULT_CODEC_LIMITS.maxTransactionBytes,
];

/** Generated requests of `method`: from its valid requests, its framing and its limits. */
export function requestInputs(corpus: FuzzCorpus, method: WireMethod): fc.Arbitrary<FuzzInput> {
  return wireInputArb({
    seeds: corpus.requestBytes[method].map((bytes) => ({ bytes, lengthOffsets: [0] })),
    outOfRange: outOfRangeRequests(corpus, method),
    limits: REQUEST_LIMITS,
    maxRandomBytes: 96,
  });
}

/** Generated responses of `method`: from the honest server's answers, their chunk headers and the limits. */
export function responseInputs(corpus: FuzzCorpus, method: WireMethod): fc.Arbitrary<FuzzInput> {
  return wireInputArb({
    seeds: corpus.responses[method].map((s) => ({ bytes: s.bytes, lengthOffsets: s.lengthOffsets })),
    outOfRange: outOfRangeResponses(corpus, method),
    limits: RESPONSE_LIMITS,
  });
}
