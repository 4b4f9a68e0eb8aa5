import { type ChainStore, concatBytes, ManualClock, type WireMethod } from '@hotsync/core';
import { type HotsyncComponents, type HotsyncService, hotsync } from '@hotsync/network';
import type { Connection, Stream } from '@libp2p/interface';

/**
 * The network package's real inbound handler (the one `HotsyncService` registers with
 * libp2p for each protocol), driven in process: the service is built with a registrar that
 * keeps the handlers, and each input arrives on an in-memory stream that behaves as a
 * libp2p v3 stream does for the handler (`message` events, `end` once the requester
 * half-closed, `close` with an error after an abort). Thousands of inputs per protocol cost
 * what decoding them costs, with no sockets; the libp2p test sends fewer over real streams.
 */
export interface InboundResult {
  /** Everything the handler wrote, in order. */
  readonly bytes: Uint8Array;
  /** Set when the handler aborted the stream instead of closing it. */
  readonly error: Error | undefined;
  /** False when the handler had not finished by the deadline (a hang). */
  readonly finished: boolean;
}

type Handler = (stream: Stream, connection: Connection) => void | Promise<void>;

export class InboundHarness {
  private constructor(
    private readonly service: HotsyncService,
    private readonly handlers: Map<string, Handler>,
    /** The service's clock: its request deadline fires only when a test advances it. */
    readonly clock: ManualClock,
  ) {}

  static async start(options: { chainId: Uint8Array; store: ChainStore }): Promise<InboundHarness> {
    const handlers = new Map<string, Handler>();
    const components = {
      registrar: {
        handle: async (protocol: string, handler: Handler) => {
          handlers.set(protocol, handler);
        },
        unhandle: async (protocol: string) => {
          handlers.delete(protocol);
        },
      },
      connectionManager: { getConnections: () => [] },
      events: new EventTarget(),
    } as unknown as HotsyncComponents;
    const clock = new ManualClock(1_000_000);
    const service = hotsync({ chainId: options.chainId, store: options.store, clock })(components);
    await service.start();
    return new InboundHarness(service, handlers, clock);
  }

  get stats(): ReturnType<HotsyncService['stats']> {
    return this.service.stats();
  }

  /** The deadline for a complete request (the service's `inboundRequestMs`). */
  get requestDeadlineMs(): number {
    return this.service.options.timeouts.inboundRequestMs;
  }

  /**
   * Delivers `pieces` from `peer` on a fresh stream of `method`, then half-closes (or, with
   * `stall`, goes silent with the stream open and lets the service's clock pass its request
   * deadline), and waits at most `deadlineMs` of real time for the handler to finish.
   */
  async serve(
    method: WireMethod,
    pieces: readonly Uint8Array[],
    peer: string,
    options: { readonly stall?: boolean; readonly deadlineMs?: number } = {},
  ): Promise<InboundResult> {
    const deadlineMs = options.deadlineMs ?? 5_000;
    const protocol = [...this.handlers.keys()].find((p) => p.split('/')[3] === method);
    const handler = protocol && this.handlers.get(protocol);
    if (!handler) throw new Error(`no handler registered for ${method}`);
    const stream = new MemoryStream();
    const connection = { remotePeer: { toString: () => peer } } as unknown as Connection;
    const done = Promise.resolve(handler(stream as unknown as Stream, connection)).then(() => true);
    for (const piece of pieces) {
      await Promise.resolve();
      stream.deliver(piece);
    }
    await Promise.resolve();
    if (options.stall) {
      // Let the handler read what arrived, then the requester's silence outlasts the deadline.
      await new Promise((resolve) => setImmediate(resolve));
      this.clock.advance(this.requestDeadlineMs + 1);
    } else {
      stream.remoteEnd();
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const finished = await Promise.race([done, deadline]);
    clearTimeout(timer);
    if (!finished) stream.abort(new Error('fuzz deadline'));
    return { bytes: concatBytes(...stream.sent), error: stream.abortError, finished };
  }

  async stop(): Promise<void> {
    await this.service.stop();
  }
}

/** What the handler reads and writes of a libp2p v3 stream, in memory. */
class MemoryStream extends EventTarget {
  status: 'open' | 'closed' | 'aborted' = 'open';
  readStatus: 'readable' | 'paused' | 'closed' = 'readable';
  readableEnded = false;
  readBufferLength = 0;
  readonly sent: Uint8Array[] = [];
  abortError: Error | undefined;

  deliver(piece: Uint8Array): void {
    if (this.status !== 'open' || this.readableEnded) return;
    this.dispatchEvent(Object.assign(new Event('message'), { data: piece }));
  }

  remoteEnd(): void {
    if (this.status !== 'open' || this.readableEnded) return;
    this.readableEnded = true;
    this.readStatus = 'closed';
    this.dispatchEvent(new Event('end'));
  }

  send(data: Uint8Array): boolean {
    if (this.status !== 'open') throw new Error(`send on a ${this.status} stream`);
    this.sent.push(data);
    return true;
  }

  onDrain(): Promise<void> {
    return Promise.resolve();
  }

  pause(): void {
    if (this.readStatus === 'readable') this.readStatus = 'paused';
  }

  resume(): void {
    if (this.readStatus === 'paused') this.readStatus = 'readable';
  }

  async close(): Promise<void> {
    if (this.status !== 'open') return;
    this.status = 'closed';
    this.dispatchEvent(Object.assign(new Event('close'), { error: undefined }));
  }

  abort(err: Error): void {
    if (this.status !== 'open') return;
    this.status = 'aborted';
    this.abortError = err;
    this.dispatchEvent(Object.assign(new Event('close'), { error: err }));
  }
}
