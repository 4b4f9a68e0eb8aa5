import {
  answerRequest,
  type ChainStore,
  DecodeError,
  decodeRequest,
  type PeerId,
  type PeerManager,
  REQUEST_PREFIX_LENGTH,
  type ResponseChunk,
  readRequestLength,
  type Timer,
  type WireMethod,
  type WireRequest,
} from '@hotsync/core';
import type { Connection, Stream } from '@libp2p/interface';
import { NetworkError } from './errors.js';
import { packResponse, sendAll } from './framing.js';
import { type InboundFault, inboundErrorCode, inboundOutcome } from './inbound-faults.js';
import type { InboundResult } from './network-metrics.js';
import type { ResolvedNetworkOptions } from './options.js';
import type { InboundRateLimiter } from './rate-limiter.js';
import { readExactly, StreamReader } from './stream-reader.js';

/** Counters of what the server side saw; `stats()` on the service returns a copy. */
export interface InboundStats {
  /** Requests answered with at least a result (ok or an error chunk), by method. */
  served: Record<WireMethod, number>;
  /** Answered `rate-limited` (quota or too many at once). */
  rateLimited: number;
  /** Inbound faults by kind (each also recorded against the sender). */
  faults: Record<InboundFault, number>;
  /** Streams whose response could not be written (the requester reset or vanished). */
  writeFailures: number;
  bytesSent: number;
}

export function emptyInboundStats(): InboundStats {
  return {
    served: {
      status: 0,
      blocks_by_range: 0,
      blocks_by_hash: 0,
      commit_proof: 0,
      epoch_change_proof: 0,
      snapshot_manifest: 0,
      snapshot_chunk: 0,
    },
    rateLimited: 0,
    faults: { malformed: 0, oversized: 0, 'over-limit': 0, truncated: 0, timeout: 0 },
    writeFailures: 0,
    bytesSent: 0,
  };
}

/** What the handler needs from the service that owns it. */
export interface InboundContext {
  readonly options: ResolvedNetworkOptions;
  readonly store: ChainStore;
  readonly limiter: InboundRateLimiter;
  readonly peers: PeerManager | undefined;
  readonly stats: InboundStats;
  /** Inbound requests in progress per peer. */
  readonly active: Map<PeerId, number>;
  /** Streams being served (aborted when the service stops). */
  readonly streams: Set<Stream>;
  /** A peer spoke a sync protocol to us. */
  readonly onRequest: (peer: PeerId, connection: Connection) => void;
}

/** Retry-after for a peer over its concurrent-request cap: one short round, not a quota wait. */
const BUSY_RETRY_MS = 100;

/**
 * Serves one inbound stream of `method` (DESIGN §8): reads exactly one framed request
 * within `inboundRequestMs` and `maxRequestBytes` (the length prefix is checked before the
 * body is read), applies the peer's quota and concurrency cap, answers from the store
 * with core's `answerRequest` (ranges as the raw stored bytes) and writes the chunks
 * packed into large writes with write back-pressure within `inboundResponseMs`.
 * A malformed or over-limit request is answered `invalid-request`; an oversized,
 * truncated or late one ends the stream with a typed error; either way the sender is
 * penalized. Never throws: nothing a peer sends can crash or stall the node.
 */
export async function handleInbound(
  method: WireMethod,
  stream: Stream,
  connection: Connection,
  ctx: InboundContext,
): Promise<void> {
  const peer = connection.remotePeer.toString();
  const { options, stats } = ctx;
  const { clock, limits, timeouts } = options;
  if (ctx.peers?.isBanned(peer)) {
    stream.abort(new NetworkError('network.stream-closed', 'peer is banned'));
    return;
  }
  ctx.streams.add(stream);
  const active = (ctx.active.get(peer) ?? 0) + 1;
  ctx.active.set(peer, active);
  ctx.onRequest(peer, connection);
  const reader = new StreamReader(stream, {
    highWaterMark: REQUEST_PREFIX_LENGTH + limits.maxRequestBytes,
  });
  let fault: InboundFault | undefined;
  // What went into the metrics: the answer's code, else the fault or write failure.
  let result: InboundResult | undefined;
  let sent = 0;
  const refuse = (f: InboundFault, message: string): void => {
    if (fault) return;
    fault = f;
    stats.faults[f]++;
    ctx.peers?.recordOutcome(peer, inboundOutcome(f));
    options.logger.debug({ peer, method, fault: f, reason: message }, 'inbound request refused');
    stream.abort(new NetworkError(inboundErrorCode(f), `${method} from ${peer}: ${message}`));
  };
  let timer: Timer | undefined = clock.setTimeout(
    () => refuse('timeout', `no complete request within ${timeouts.inboundRequestMs} ms`),
    timeouts.inboundRequestMs,
  );
  try {
    const read = await readRequest(reader, options);
    timer.cancel();
    timer = undefined;
    if (fault) return;
    if (read.kind === 'fault') {
      refuse(read.fault, read.message);
      return;
    }
    const answer = decide(method, peer, read.bytes, active, ctx);
    if (answer.fault) {
      fault = answer.fault;
      stats.faults[answer.fault]++;
      ctx.peers?.recordOutcome(peer, inboundOutcome(answer.fault));
    }
    const response = new AbortController();
    timer = clock.setTimeout(() => {
      if (fault) return;
      refuse('timeout', `response not read within ${timeouts.inboundResponseMs} ms`);
      response.abort();
    }, timeouts.inboundResponseMs);
    result = answerResult(answer.chunks);
    sent = await sendAll(stream, packResponse(answer.chunks, options.writeBytes), response.signal);
    stats.bytesSent += sent;
    await stream.close({ signal: response.signal });
    stats.served[method]++;
  } catch (err) {
    // The requester reset, the connection dropped, or our deadline fired: the stream is gone.
    if (!fault) stats.writeFailures++;
    result = fault ?? 'write-failed';
    if (stream.status === 'open') stream.abort(err instanceof Error ? err : new Error(String(err)));
  } finally {
    timer?.cancel();
    options.metrics.inbound(method, fault ?? result ?? 'write-failed', sent, reader.bytesReceived);
    reader.dispose();
    ctx.streams.delete(stream);
    const left = (ctx.active.get(peer) ?? 1) - 1;
    if (left > 0) ctx.active.set(peer, left);
    else ctx.active.delete(peer);
  }
}

/** The code of the first non-ok chunk (an error chunk ends a response), else `ok`. */
function answerResult(chunks: readonly ResponseChunk[]): InboundResult {
  for (const chunk of chunks) if (chunk.code !== 'ok') return chunk.code;
  return 'ok';
}

type ReadResult =
  | { readonly kind: 'request'; readonly bytes: Uint8Array }
  | { readonly kind: 'fault'; readonly fault: InboundFault; readonly message: string };

/** Exactly one framed request: prefix, checked length, body; nothing after it. */
async function readRequest(reader: StreamReader, options: ResolvedNetworkOptions): Promise<ReadResult> {
  const carry: { rest: Uint8Array | undefined } = { rest: undefined };
  const prefix = await readExactly(reader, REQUEST_PREFIX_LENGTH, carry);
  if (!prefix) return { kind: 'fault', fault: 'truncated', message: 'stream ended inside the length prefix' };
  let length: number;
  try {
    length = readRequestLength(prefix, options.limits);
  } catch (err) {
    return { kind: 'fault', fault: 'oversized', message: (err as Error).message };
  }
  const body = length === 0 ? new Uint8Array(0) : await readExactly(reader, length, carry);
  if (!body) {
    return { kind: 'fault', fault: 'truncated', message: `stream ended inside a ${length}-byte request` };
  }
  // A request is one message: bytes after it are as malformed as bytes missing from it.
  const trailing = carry.rest !== undefined && carry.rest.length > 0;
  const bytes = new Uint8Array(REQUEST_PREFIX_LENGTH + length + (trailing ? carry.rest!.length : 0));
  bytes.set(prefix, 0);
  bytes.set(body, REQUEST_PREFIX_LENGTH);
  if (trailing) bytes.set(carry.rest!, REQUEST_PREFIX_LENGTH + length);
  return { kind: 'request', bytes };
}

/** The answer to a complete request: invalid, over quota, busy, or served from the store. */
function decide(
  method: WireMethod,
  peer: PeerId,
  bytes: Uint8Array,
  active: number,
  ctx: InboundContext,
): { readonly chunks: readonly ResponseChunk[]; readonly fault?: InboundFault } {
  const { options } = ctx;
  let request: WireRequest;
  try {
    request = decodeRequest(method, bytes, options.limits);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return {
      chunks: [{ code: 'invalid-request', message: err.message }],
      fault: err.code === 'decode.limit' ? 'over-limit' : 'malformed',
    };
  }
  if (active > options.maxConcurrentInboundPerPeer) {
    ctx.stats.rateLimited++;
    return {
      chunks: [
        {
          code: 'rate-limited',
          retryAfterMs: BUSY_RETRY_MS,
          message: `more than ${options.maxConcurrentInboundPerPeer} requests at once`,
        },
      ],
    };
  }
  const quota = ctx.limiter.take(peer, method);
  if (!quota.allowed) {
    ctx.stats.rateLimited++;
    return {
      chunks: [
        { code: 'rate-limited', retryAfterMs: quota.retryAfterMs, message: `${method} quota exceeded` },
      ],
    };
  }
  try {
    return { chunks: answerRequest(ctx.store, request, options, options.limits) };
  } catch (err) {
    options.logger.warn({ err, method, peer }, 'serving a request failed');
    return {
      chunks: [{ code: 'server-error', message: err instanceof Error ? err.message : 'internal error' }],
    };
  }
}
