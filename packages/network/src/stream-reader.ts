import {
  type Stream,
  type StreamCloseEvent,
  type StreamMessageEvent,
  StreamResetError,
} from '@libp2p/interface';

/** The part of a libp2p v3 stream a reader needs (a `Stream` satisfies it). */
export type ReadableMessageStream = Pick<
  Stream,
  | 'addEventListener'
  | 'removeEventListener'
  | 'pause'
  | 'resume'
  | 'readStatus'
  | 'readableEnded'
  | 'readBufferLength'
  | 'status'
>;

export interface StreamReaderOptions {
  /**
   * Queued bytes at which the stream is paused. While paused, yamux stops granting
   * window, so the sender can add at most one window (`maxStreamWindowSize`) more.
   */
  readonly highWaterMark: number;
  /** Queued bytes below which a paused stream is resumed (default half the high mark). */
  readonly lowWaterMark?: number;
}

/**
 * Pulls bytes from a libp2p v3 stream with bounded memory.
 *
 * A v3 stream pushes `message` events and has no read back-pressure of its own: a
 * `for await` reader buffers without limit, and a stream left paused past
 * `maxReadBufferLength` is aborted. This reader queues what arrives, pauses the stream
 * once `highWaterMark` bytes wait unread and resumes it below `lowWaterMark`, so a huge or
 * fast response held up by a slow consumer costs at most the high mark plus two yamux
 * windows (what the stream parked while paused arrives at once on resume, and resuming
 * grants the sender a fresh window before the next pause). Pieces are handed out as they arrived (views, no copies); `undefined` means the
 * remote closed its side and everything was read. One reader per stream.
 */
export class StreamReader {
  private readonly queue: Uint8Array[] = [];
  private head = 0;
  private queued = 0;
  private received = 0;
  private ended = false;
  private failure: Error | undefined;
  private pauseWanted = false;
  private waiter:
    | { resolve: (piece: Uint8Array | undefined) => void; reject: (err: Error) => void }
    | undefined;
  private readonly high: number;
  private readonly low: number;

  constructor(
    private readonly stream: ReadableMessageStream,
    options: StreamReaderOptions,
  ) {
    this.high = options.highWaterMark;
    this.low = Math.min(options.lowWaterMark ?? Math.floor(options.highWaterMark / 2), this.high);
    stream.addEventListener('message', this.onMessage);
    // 'end' (not 'remoteCloseWrite'): it fires only once the stream's own buffer is empty,
    // so data held back while paused is never cut off.
    stream.addEventListener('end', this.onEnd);
    stream.addEventListener('close', this.onClose);
    if (stream.readableEnded) this.ended = true;
  }

  /** Bytes received so far. */
  get bytesReceived(): number {
    return this.received;
  }

  /** Bytes received and not yet read. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** The next piece, `undefined` at the end; rejects when the stream was reset or aborted. */
  read(): Promise<Uint8Array | undefined> {
    const piece = this.take();
    if (piece) return Promise.resolve(piece);
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops listening; unread bytes are dropped. */
  dispose(): void {
    this.stream.removeEventListener('message', this.onMessage);
    this.stream.removeEventListener('end', this.onEnd);
    this.stream.removeEventListener('close', this.onClose);
    this.queue.length = 0;
    this.head = 0;
    this.queued = 0;
    this.pauseWanted = false;
  }

  private take(): Uint8Array | undefined {
    if (this.head >= this.queue.length) return undefined;
    const piece = this.queue[this.head]!;
    this.queue[this.head++] = EMPTY; // drop the reference: the consumer owns the piece now
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.queued -= piece.length;
    if (this.queued < this.low) this.resumeStream();
    return piece;
  }

  private readonly onMessage = (event: StreamMessageEvent): void => {
    const data = event.data;
    if (data instanceof Uint8Array) this.append(data);
    else for (const piece of data) this.append(piece); // a Uint8ArrayList: its pieces, uncopied
    if (this.queued >= this.high) this.pauseStream();
  };

  private append(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.received += piece.length;
    const waiter = this.waiter;
    if (waiter && this.head >= this.queue.length) {
      this.waiter = undefined;
      waiter.resolve(piece);
      return;
    }
    this.queue.push(piece);
    this.queued += piece.length;
  }

  private readonly onEnd = (): void => {
    // On a reset or abort the stream emits 'end' before 'close': an end that is really a
    // break must not read as a clean end of the response.
    const status = this.stream.status;
    if (status === 'reset' || status === 'aborted') {
      this.failure ??= new StreamResetError(`stream ${status} before its end`);
    } else {
      this.ended = true;
    }
    this.settleWaiter();
  };

  private readonly onClose = (event: StreamCloseEvent): void => {
    if (event.error) {
      this.failure ??= event.error;
    } else if (this.stream.readBufferLength > 0 && this.stream.readStatus === 'paused') {
      // Closed cleanly with data still parked in the stream: let it through before the end.
      this.resumeStream(true);
    }
    if (!event.error) this.ended = true;
    this.settleWaiter();
  };

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (!waiter || this.head < this.queue.length) return;
    this.waiter = undefined;
    if (this.failure) waiter.reject(this.failure);
    else if (this.ended) waiter.resolve(undefined);
    else this.waiter = waiter;
  }

  private pauseStream(): void {
    if (this.pauseWanted) return;
    this.pauseWanted = true;
    // Deferred: pausing inside the 'message' dispatch races the stream's own bookkeeping
    // of that dispatch (TOOLCHAIN); a microtask later the state is settled.
    queueMicrotask(() => {
      if (!this.pauseWanted || this.stream.readStatus !== 'readable') return;
      try {
        this.stream.pause();
      } catch {
        // closing meanwhile: nothing left to hold back
      }
    });
  }

  private resumeStream(force = false): void {
    if (!this.pauseWanted && !force) return;
    this.pauseWanted = false;
    if (this.stream.readStatus !== 'paused') return;
    try {
      this.stream.resume();
    } catch {
      // closed meanwhile
    }
  }
}

const EMPTY = new Uint8Array(0);

/** Reads exactly `length` bytes (one copy only when they span pieces); undefined when the stream ends first. */
export async function readExactly(
  reader: StreamReader,
  length: number,
  carry: { rest: Uint8Array | undefined },
): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let have = 0;
  if (carry.rest && carry.rest.length > 0) {
    parts.push(carry.rest);
    have = carry.rest.length;
    carry.rest = undefined;
  }
  while (have < length) {
    const piece = await reader.read();
    if (piece === undefined) {
      carry.rest = concat(parts, have);
      return undefined;
    }
    parts.push(piece);
    have += piece.length;
  }
  const all = parts.length === 1 ? parts[0]! : concat(parts, have);
  carry.rest = all.length > length ? all.subarray(length) : undefined;
  return all.length > length ? all.subarray(0, length) : all;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
