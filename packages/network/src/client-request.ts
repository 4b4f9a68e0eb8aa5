import {
  bytesEqual,
  DecodeError,
  encodeRequest,
  interpretReply,
  maxItemsFor,
  type PausableTimer,
  type PeerId,
  pausableTimeout,
  protocolId,
  RequestError,
  type RequestFailureKind,
  ResponseLimitError,
  ResponseParser,
  type Timer,
  type WireMethod,
  type WireRequest,
  type WireRequestOf,
  type WireResponseValues,
} from '@hotsync/core';
import type { Connection, Stream } from '@libp2p/interface';
import { type CapTicket, capAdmission } from './cap-admission.js';
import { sendAll } from './framing.js';
import type { OutboundResult } from './network-metrics.js';
import type { ResolvedNetworkOptions } from './options.js';
import { StreamReader } from './stream-reader.js';

/** A finished request: the decoded value and the bytes it took. */
export interface ClientResult<M extends WireMethod> {
  readonly value: WireResponseValues[M];
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly latencyMs: number;
}

/** libp2p error names that mean the connection or stream went away under us. */
const GONE = new Set([
  'ConnectionClosedError',
  'ConnectionClosingError',
  'MuxerClosedError',
  'StreamResetError',
  'StreamAbortedError',
  'StreamStateError',
  'StreamClosedError',
  'StreamBufferError',
  'AbortError',
]);

/** Reasons a failure is a bug of ours rather than something the network did: never disguised. */
const BUGS = [TypeError, ReferenceError, SyntaxError];

/**
 * One outbound request (DESIGN §8): a new stream on `connection` for the method's
 * protocol, the framed request, a half-close, then the response read as it arrives through
 * core's `ResponseParser`, which checks every chunk header against the limits before its
 * payload is buffered. Deadlines run on the injected clock: first byte, silence between
 * pieces, whole request. Every failure is a `RequestError` whose kind the peer manager
 * understands; the stream is reset on any failure so the server stops sending.
 *
 * With a bandwidth cap (`options.bandwidthCap`, shared by all requests of the node) each
 * piece waits for its budget before the next read: the reader's queue fills, the stream
 * pauses, and yamux stops granting window, so the sender is held back instead of our
 * memory filling. The deadlines stand still while we wait: our own throttling is never
 * the peer's timeout. And since an honest server aborts a response not read within its
 * `inboundResponseMs`, a request under the cap is first admitted (`CapAdmission`): it is
 * sent only once the responses in flight and its own can be read within half that
 * window, and a range request asks for no more blocks than that window holds. The wait
 * for admission comes before sending, before any deadline or latency starts.
 */
export async function sendRequest<M extends WireMethod>(
  connection: Connection,
  peer: PeerId,
  asked: WireRequestOf<M>,
  options: ResolvedNetworkOptions,
  signal?: AbortSignal,
): Promise<ClientResult<M>> {
  const method = asked.method as M;
  const { clock, timeouts, limits, bandwidthCap } = options;
  const admission = bandwidthCap && capAdmission(bandwidthCap, timeouts.inboundResponseMs);
  let request = asked;
  const range = asked as WireRequest;
  if (admission && range.method === 'blocks_by_range') {
    // No more blocks than the cap reads within the servers' response window: a partial
    // range, as servers return at their response size limit.
    const count = admission.boundCount(range.count);
    if (count < range.count) request = { ...range, count } as WireRequestOf<M>;
  }
  const bytes = encodeRequest(request); // throws InvalidArgumentError: the caller's bug, not the peer's
  const local = new AbortController();
  let failure: RequestError | undefined;
  let stream: Stream | undefined;
  const fail = (kind: RequestFailureKind, message: string, cause?: unknown, retryAfterMs?: number) => {
    if (failure) return;
    failure = new RequestError(kind, peer, `${method}: ${message}`, {
      ...(cause !== undefined && { cause }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
    local.abort(failure);
    stream?.abort(failure);
  };
  if (signal?.aborted) {
    fail('aborted', 'aborted before sending');
    throw failure;
  }
  let ticket: CapTicket | undefined;
  if (admission) {
    try {
      ticket = await admission.admit(method, maxItemsFor(request, limits), signal);
    } catch {
      fail('aborted', 'aborted while waiting for the bandwidth cap');
      throw failure;
    }
  }
  // From here on the time is the request's own: waiting for admission was ours.
  const started = clock.now();
  const onAbort = () => fail('aborted', 'aborted by the caller');
  signal?.addEventListener('abort', onAbort, { once: true });
  const whole: PausableTimer = pausableTimeout(
    clock,
    () => fail('timeout', `no full response within ${timeouts.requestMs} ms`),
    timeouts.requestMs,
  );
  let firstByte: Timer | undefined = clock.setTimeout(
    () => fail('timeout', `no response byte within ${timeouts.firstByteMs} ms`),
    timeouts.firstByteMs,
  );
  let silence: Timer | undefined;
  let reader: StreamReader | undefined;
  let sent = 0;
  let succeeded = false;
  try {
    stream = await connection.newStream(protocolId(options.chainId, method), {
      signal: local.signal,
      maxOutboundStreams: options.maxOutboundStreamsPerProtocol,
    });
    if (failure) throw failure;
    reader = new StreamReader(stream, { highWaterMark: options.readHighWaterMark });
    await sendAll(stream, [bytes], local.signal);
    sent = bytes.length;
    await stream.close({ signal: local.signal }); // half-close: the request is complete
    const parser = new ResponseParser({ limits, maxOkChunks: maxItemsFor(request, limits) });
    for (;;) {
      const piece = await reader.read();
      if (piece === undefined) break;
      firstByte?.cancel();
      firstByte = undefined;
      silence?.cancel();
      silence = undefined;
      if (bandwidthCap && !bandwidthCap.tryAcquire(piece.length)) {
        whole.pause();
        await bandwidthCap.acquire(piece.length, local.signal);
        whole.resume();
      }
      ticket?.read(piece.length);
      silence = clock.setTimeout(
        () => fail('timeout', `response stalled for ${timeouts.betweenChunksMs} ms`),
        timeouts.betweenChunksMs,
      );
      parser.push(piece);
      if (parser.done) break; // an error chunk ends the response
    }
    if (failure) throw failure;
    const reply = interpretReply(method, parser.end(), { codecLimits: options.codecLimits });
    if (!reply.ok) {
      const { error } = reply;
      fail(
        error.code,
        error.message || error.code,
        undefined,
        error.code === 'rate-limited' ? error.retryAfterMs : undefined,
      );
      throw failure;
    }
    if (method === 'status') {
      const { chainId } = reply.value as WireResponseValues['status'];
      if (!bytesEqual(chainId, options.chainId)) {
        fail('malformed-response', 'status of another chain');
        throw failure;
      }
    }
    succeeded = true;
    ticket?.close({ bytes: reader.bytesReceived, items: itemsOf(reply.value) });
    return {
      value: reply.value as WireResponseValues[M],
      bytesSent: bytes.length,
      bytesReceived: reader.bytesReceived,
      latencyMs: clock.now() - started,
    };
  } catch (err) {
    if (failure) throw failure;
    if (BUGS.some((bug) => err instanceof bug)) throw err;
    const [kind, message] = classify(err);
    fail(kind, message, err, kind === 'rate-limited' ? 50 : undefined);
    throw failure;
  } finally {
    ticket?.close();
    whole.cancel();
    firstByte?.cancel();
    silence?.cancel();
    signal?.removeEventListener('abort', onAbort);
    const result: OutboundResult | undefined = succeeded ? 'ok' : failure?.kind;
    // A bug of ours (rethrown as is) is not a request outcome.
    if (result !== undefined) {
      options.metrics.outbound(method, result, sent, reader?.bytesReceived ?? 0, clock.now() - started);
    }
    reader?.dispose();
    // Done early (an error chunk) or failed: nothing more is wanted from this stream.
    if (stream && stream.status === 'open' && !stream.readableEnded) {
      stream.abort(failure ?? new RequestError('aborted', peer, `${method}: response complete`));
    }
  }
}

/** The items a response carried (blocks of a block request), for learning its size per item. */
function itemsOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 1;
}

function classify(err: unknown): [RequestFailureKind, string] {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ResponseLimitError) return ['oversized-response', message];
  if (err instanceof DecodeError) return ['malformed-response', message];
  const name = err instanceof Error ? err.name : '';
  // The peer does not speak this protocol (another chain, or no sync service): nothing to get there.
  if (name === 'UnsupportedProtocolError') return ['unavailable', `protocol not supported: ${message}`];
  // Our own cap on streams per protocol: back-pressure of ours, never the peer's fault.
  if (name === 'TooManyOutboundProtocolStreamsError') return ['rate-limited', message];
  if (GONE.has(name)) return ['disconnected', message];
  return ['disconnected', `${name || 'error'}: ${message}`];
}

/** True when `err` says the peer does not speak the protocol at all (not a sync peer, or another chain). */
export function isUnsupportedProtocol(err: unknown): boolean {
  return (
    err instanceof RequestError && err.cause instanceof Error && err.cause.name === 'UnsupportedProtocolError'
  );
}
