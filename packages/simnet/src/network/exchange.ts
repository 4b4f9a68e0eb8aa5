import {
  type BandwidthCap,
  bytesEqual,
  type Clock,
  type CodecLimits,
  DecodeError,
  decodeReply,
  type PausableTimer,
  type PeerId,
  pausableTimeout,
  RequestError,
  type RequestFailureKind,
  ResponseLimitError,
  type Timer,
  type WireLimits,
  type WireMethod,
  type WireReply,
  type WireRequest,
  type WireRequestOf,
  type WireResponseValues,
} from '@hotsync/core';
import type { RequestHandler, ServerReply } from './handler.js';
import { replyBytes } from './handler.js';
import type { Link, SentMessage } from './link.js';
import type { TrafficBook } from './traffic.js';

/** Client-side deadlines of every request (DESIGN §8). */
export interface RequestTimeouts {
  /** From sending the request to the first response byte. */
  readonly firstByteMs: number;
  /** From sending the request to the last response byte. */
  readonly requestMs: number;
}

/** What an exchange needs of the network it runs on. */
export interface ExchangeHost {
  readonly clock: Clock;
  link(a: PeerId, b: PeerId): Link;
  /** False when a silent partition swallows messages between the two. */
  canDeliver(from: PeerId, to: PeerId): boolean;
  traffic(node: PeerId): TrafficBook;
  handler(node: PeerId): RequestHandler;
  record(event: string): void;
  /** A handler threw: a bug in the simulation, reported with the run. */
  handlerFailed(node: PeerId, error: unknown): void;
}

export interface ExchangeSettings {
  /** The chain the client follows: a status of any other is malformed. */
  readonly chainId: Uint8Array;
  readonly timeouts: RequestTimeouts;
  /** The client's limits: what it reads a response with. */
  readonly limits: WireLimits;
  readonly codecLimits: CodecLimits;
  /**
   * The client node's download budget (`network.bandwidthCapBytesPerSec`), shared by all
   * its requests: a response that arrived is read only once the cap has carried its bytes.
   */
  readonly bandwidthCap?: BandwidthCap;
}

/**
 * One request and its response between `from` (client) and `to` (server), from the send
 * to the settled promise. Owns its timers and transfers: settling (for any reason) cancels
 * them all, so nothing of a finished exchange lingers on the link or the clock.
 */
export class Exchange<M extends WireMethod> {
  private settled = false;
  private counted = false;
  private readonly timers: Timer[] = [];
  private readonly messages: SentMessage[] = [];
  private firstByteTimer: Timer | undefined;
  private wholeTimer: PausableTimer | undefined;
  /** Aborted when the exchange settles: a wait for bandwidth budget ends with it. */
  private readonly done = new AbortController();
  private readonly abortListener = () => this.fail('aborted', 'aborted by the caller');
  readonly promise: Promise<WireResponseValues[M]>;
  private resolve!: (value: WireResponseValues[M]) => void;
  private reject!: (error: RequestError) => void;

  constructor(
    private readonly host: ExchangeHost,
    readonly from: PeerId,
    readonly to: PeerId,
    private readonly request: WireRequestOf<M>,
    private readonly settings: ExchangeSettings,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Sends the request (its encoding); the promise settles later (or now, when already aborted). */
  begin(bytes: Uint8Array): void {
    if (this.signal?.aborted) {
      this.fail('aborted', 'aborted before sending');
      return;
    }
    const { clock } = this.host;
    this.count();
    this.host.traffic(this.from).of(this.to).bytesSent += bytes.length;
    this.signal?.addEventListener('abort', this.abortListener, { once: true });
    const { firstByteMs, requestMs } = this.settings.timeouts;
    this.firstByteTimer = clock.setTimeout(
      () => this.fail('timeout', `no response byte within ${firstByteMs} ms`),
      firstByteMs,
    );
    this.timers.push(this.firstByteTimer);
    this.wholeTimer = pausableTimeout(
      clock,
      () => this.fail('timeout', `no full response within ${requestMs} ms`),
      requestMs,
    );
    this.timers.push(this.wholeTimer);
    const message = this.host.link(this.from, this.to).send(this.from, bytes.length, {
      onArrive: () => void this.serve(bytes),
    });
    this.messages.push(message);
    this.host.record(
      `req ${this.from}>${this.to} ${this.request.method} ${bytes.length}${message.lost ? ' lost' : ''}`,
    );
  }

  /** The connection between the two closed. */
  disconnect(): void {
    this.fail('disconnected', 'connection closed');
  }

  private async serve(bytes: Uint8Array): Promise<void> {
    try {
      await this.serveUnguarded(bytes);
    } catch (err) {
      // A reply that cannot even be encoded: the behaviour is broken, not the peer.
      this.host.handlerFailed(this.to, err);
      this.fail('server-error', 'the simulated handler failed', err);
    }
  }

  private async serveUnguarded(bytes: Uint8Array): Promise<void> {
    if (this.settled) return; // the client reset the stream before it arrived
    if (!this.host.canDeliver(this.from, this.to)) {
      this.host.record(`drop ${this.from}>${this.to} partition`);
      return;
    }
    const served = this.host.traffic(this.to).of(this.from);
    served.requestsServed++;
    served.bytesReceived += bytes.length;
    let reply: ServerReply;
    try {
      reply = await this.host.handler(this.to)({
        from: this.from,
        to: this.to,
        method: this.request.method,
        bytes,
        atMs: this.host.clock.now(),
      });
    } catch (err) {
      this.host.handlerFailed(this.to, err);
      reply = { kind: 'chunks', chunks: [{ code: 'server-error', message: 'handler failed' }] };
    }
    if (this.settled) return;
    const response = replyBytes(reply);
    if (!response) {
      this.host.record(`silent ${this.to}>${this.from} ${this.request.method}`);
      return;
    }
    const delay = reply.kind === 'silent' ? 0 : (reply.delayMs ?? 0);
    if (delay > 0) this.timers.push(this.host.clock.setTimeout(() => this.respond(response), delay));
    else this.respond(response);
  }

  private respond(bytes: Uint8Array): void {
    if (this.settled) return;
    this.host.traffic(this.to).of(this.from).bytesSent += bytes.length;
    const message = this.host.link(this.from, this.to).send(this.to, bytes.length, {
      onFirstByte: () => this.firstByteTimer?.cancel(),
      onArrive: () => void this.arrived(bytes),
    });
    this.messages.push(message);
    this.host.record(
      `res ${this.to}>${this.from} ${this.request.method} ${bytes.length}${message.lost ? ' lost' : ''}`,
    );
  }

  /**
   * The response is at the client: under a bandwidth cap it is read once the cap carried
   * its bytes, and the request deadline stands still meanwhile (our throttling is not the
   * peer's slowness).
   */
  private arrived(bytes: Uint8Array): void {
    if (this.settled) return;
    if (!this.host.canDeliver(this.to, this.from)) {
      this.host.record(`drop ${this.to}>${this.from} partition`);
      return;
    }
    const cap = this.settings.bandwidthCap;
    if (!cap || cap.tryAcquire(bytes.length)) {
      this.receive(bytes);
      return;
    }
    this.wholeTimer?.pause();
    cap.acquire(bytes.length, this.done.signal).then(
      () => {
        if (this.settled) return;
        this.wholeTimer?.resume();
        try {
          this.receive(bytes);
        } catch (err) {
          // Not a decode error (those fail the request): a bug, reported with the run.
          this.host.handlerFailed(this.from, err);
          this.fail('malformed-response', 'reading the response failed', err);
        }
      },
      () => undefined, // settled meanwhile (aborted, disconnected): nothing left to read
    );
  }

  private receive(bytes: Uint8Array): void {
    this.host.traffic(this.from).of(this.to).bytesReceived += bytes.length;
    let reply: WireReply<M>;
    try {
      reply = decodeReply<M>(this.request as WireRequest & { readonly method: M }, bytes, {
        limits: this.settings.limits,
        codecLimits: this.settings.codecLimits,
      });
    } catch (err) {
      if (err instanceof ResponseLimitError) {
        this.fail('oversized-response', err.message, err);
        return;
      }
      if (err instanceof DecodeError) {
        this.fail('malformed-response', err.message, err);
        return;
      }
      throw err;
    }
    if (!reply.ok) {
      const { error } = reply;
      const retryAfterMs = error.code === 'rate-limited' ? error.retryAfterMs : undefined;
      this.fail(error.code, error.message || error.code, undefined, retryAfterMs);
      return;
    }
    if (this.request.method === 'status') {
      const { chainId } = reply.value as WireResponseValues['status'];
      if (!bytesEqual(chainId, this.settings.chainId)) {
        this.fail('malformed-response', 'status of another chain');
        return;
      }
    }
    this.finish();
    this.host.traffic(this.from).of(this.to).responsesOk++;
    this.host.record(`ok ${this.from}<${this.to} ${this.request.method}`);
    this.resolve(reply.value);
  }

  /** Fails the exchange unless it settled already. */
  fail(kind: RequestFailureKind, message: string, cause?: unknown, retryAfterMs?: number): void {
    if (this.settled) return;
    this.count();
    this.finish();
    this.host.traffic(this.from).recordFailure(this.to, kind);
    this.host.record(`fail ${this.from}<${this.to} ${this.request.method} ${kind}`);
    this.reject(
      new RequestError(kind, this.to, `${this.request.method}: ${message}`, {
        ...(retryAfterMs !== undefined && { retryAfterMs }),
        ...(cause !== undefined && { cause }),
      }),
    );
  }

  /** Every request counts once, sent or refused before sending: sent = ok + failures + in flight. */
  private count(): void {
    if (this.counted) return;
    this.counted = true;
    this.host.traffic(this.from).of(this.to).requestsSent++;
  }

  private finish(): void {
    this.settled = true;
    this.done.abort();
    for (const t of this.timers) t.cancel();
    for (const m of this.messages) m.cancel();
    this.signal?.removeEventListener('abort', this.abortListener);
  }
}
