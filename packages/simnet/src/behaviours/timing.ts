import type { WireMethod } from '@hotsync/core';
import { SimnetError } from '../errors.js';
import { delayed, type ServerReply } from '../network/handler.js';
import type { Behaviour } from './behaviour.js';

function checkRate(rate: number, what: string): void {
  if (!(rate >= 0 && rate <= 1))
    throw new SimnetError('simnet.invalid-option', `${what} must be in [0, 1], got ${rate}`);
}

/** Answers every request `delayMs` late (plus uniform jitter up to `jitterMs`): time to first byte grows. */
export function slow(delayMs: number, options: { readonly jitterMs?: number } = {}): Behaviour {
  if (!(delayMs >= 0)) throw new SimnetError('simnet.invalid-option', `delay must be >= 0, got ${delayMs}`);
  const jitterMs = options.jitterMs ?? 0;
  return {
    name: `slow(${delayMs})`,
    wrap:
      (inner, { random }) =>
      async (request) =>
        delayed(await inner(request), Math.round(delayMs + (jitterMs > 0 ? random.float() * jitterMs : 0))),
  };
}

/** How a flaky node fails a request: an error result, or `drop` (no answer: the client times out). */
export type FlakyFailure = 'server-error' | 'unavailable' | 'rate-limited' | 'invalid-request' | 'drop';

export interface FlakyOptions {
  /** Failures drawn from, uniformly (default server-error, unavailable, rate-limited, drop). */
  readonly failures?: readonly FlakyFailure[];
  /** Methods affected (default all). */
  readonly methods?: readonly WireMethod[];
  /** Retry-after of `rate-limited` answers (default 1000 ms). */
  readonly retryAfterMs?: number;
}

/** Fails a share `rate` of requests, each in one of `failures`' ways; answers the rest as it would. */
export function flaky(rate: number, options: FlakyOptions = {}): Behaviour {
  checkRate(rate, 'flaky rate');
  const failures = options.failures ?? ['server-error', 'unavailable', 'rate-limited', 'drop'];
  if (failures.length === 0)
    throw new SimnetError('simnet.invalid-option', 'flaky needs at least one failure');
  const retryAfterMs = options.retryAfterMs ?? 1000;
  return {
    name: `flaky(${rate})`,
    wrap:
      (inner, { random }) =>
      (request) => {
        if (options.methods && !options.methods.includes(request.method)) return inner(request);
        if (random.float() >= rate) return inner(request);
        const failure = failures[random.int(0, failures.length - 1)]!;
        return failureReply(failure, retryAfterMs);
      },
  };
}

function failureReply(failure: FlakyFailure, retryAfterMs: number): ServerReply {
  switch (failure) {
    case 'drop':
      return { kind: 'silent' };
    case 'rate-limited':
      return { kind: 'chunks', chunks: [{ code: 'rate-limited', retryAfterMs, message: 'busy' }] };
    case 'server-error':
    case 'unavailable':
    case 'invalid-request':
      return { kind: 'chunks', chunks: [{ code: failure, message: `flaky ${failure}` }] };
  }
}

/**
 * Accepts requests and never answers them (the client's time-to-first-byte deadline
 * fires). By default it still answers `status`, so it looks like a good peer.
 */
export function withholding(options: { readonly methods?: readonly WireMethod[] } = {}): Behaviour {
  const withheld = (method: WireMethod) =>
    options.methods ? options.methods.includes(method) : method !== 'status';
  return {
    name: 'withholding',
    wrap: (inner) => (request) => (withheld(request.method) ? { kind: 'silent' } : inner(request)),
  };
}
