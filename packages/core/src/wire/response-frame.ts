import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError, InvalidArgumentError } from '../errors.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';

/*
 * Responses (DESIGN §8): a sequence of chunks, each `u8 result ‖ u32 length ‖ payload`.
 * Ok chunks carry one item each (a block, a proof, ...). A chunk with any other result ends
 * the response; its payload is a UTF-8 message, after a u32 retry-after (ms) for
 * `rate-limited`. Nothing may follow it.
 */

export const RESULT_CODES = ['ok', 'invalid-request', 'server-error', 'unavailable', 'rate-limited'] as const;
export type ResultCode = (typeof RESULT_CODES)[number];
export type ErrorResultCode = Exclude<ResultCode, 'ok'>;

export type ResponseChunk =
  | { readonly code: 'ok'; readonly payload: Uint8Array }
  | { readonly code: 'invalid-request' | 'server-error' | 'unavailable'; readonly message: string }
  | { readonly code: 'rate-limited'; readonly retryAfterMs: number; readonly message: string };

export type ErrorChunk = Exclude<ResponseChunk, { readonly code: 'ok' }>;

/** Bytes in front of every chunk's payload. */
export const CHUNK_HEADER_LENGTH = 5;
/** Longest error message, in UTF-8 bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 256;
const MAX_ERROR_PAYLOAD = 4 + MAX_ERROR_MESSAGE_BYTES;

const CODE_BYTE: Record<ResultCode, number> = {
  ok: 0,
  'invalid-request': 1,
  'server-error': 2,
  unavailable: 3,
  'rate-limited': 4,
};

const utf8 = new TextEncoder();
// Fatal: a message that is not UTF-8 is malformed. ignoreBOM keeps a leading BOM, so
// decoding and re-encoding give back the same bytes.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A response stopped being read because it broke a size limit: the peer's fault (`oversized-response`). */
export class ResponseLimitError extends DecodeError {
  readonly limit: 'message-bytes' | 'response-bytes' | 'chunks';
  constructor(limit: ResponseLimitError['limit'], message: string, offset?: number) {
    super('decode.limit', message, offset);
    this.limit = limit;
  }
}

/** An error message cut to MAX_ERROR_MESSAGE_BYTES on a character boundary. */
export function errorMessageBytes(message: string): Uint8Array {
  const bytes = utf8.encode(message);
  if (bytes.length <= MAX_ERROR_MESSAGE_BYTES) return bytes;
  let end = MAX_ERROR_MESSAGE_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // never split a UTF-8 sequence
  return bytes.subarray(0, end);
}

export function chunkEncodedLength(chunk: ResponseChunk): number {
  switch (chunk.code) {
    case 'ok':
      return CHUNK_HEADER_LENGTH + chunk.payload.length;
    case 'rate-limited':
      return CHUNK_HEADER_LENGTH + 4 + errorMessageBytes(chunk.message).length;
    default:
      return CHUNK_HEADER_LENGTH + errorMessageBytes(chunk.message).length;
  }
}

function writeChunk(w: ByteWriter, chunk: ResponseChunk): void {
  w.u8(CODE_BYTE[chunk.code]);
  switch (chunk.code) {
    case 'ok':
      w.bytes(chunk.payload);
      return;
    case 'rate-limited': {
      const message = errorMessageBytes(chunk.message);
      w.u32(4 + message.length)
        .u32(chunk.retryAfterMs)
        .raw(message);
      return;
    }
    default:
      w.bytes(errorMessageBytes(chunk.message));
  }
}

/** Encodes chunks as one byte string; an error chunk must be the last. */
export function encodeResponse(chunks: readonly ResponseChunk[]): Uint8Array {
  let length = 0;
  chunks.forEach((c, i) => {
    if (c.code !== 'ok' && i !== chunks.length - 1) {
      throw new InvalidArgumentError('arg.invalid', `a ${c.code} chunk must end the response`);
    }
    length += chunkEncodedLength(c);
  });
  const w = new ByteWriter(Math.max(1, length));
  for (const c of chunks) writeChunk(w, c);
  return w.finish();
}

export interface ResponseParserOptions {
  readonly limits?: WireLimits;
  /** Most ok chunks accepted (default `limits.maxBlocksPerResponse`): e.g. 1 for single-item methods, the requested count for ranges. */
  readonly maxOkChunks?: number;
}

/**
 * Parses a response as its bytes arrive (a libp2p stream, a simulated link). Limits are
 * checked on each chunk header, before its payload is buffered, and on the running total.
 * Payloads are views into the pushed bytes unless a chunk straddles two pushes.
 */
export class ResponseParser {
  private readonly limits: WireLimits;
  private readonly maxOkChunks: number;
  // Bytes received and not yet parsed, as the pieces they arrived in: joined once, when a
  // chunk is complete, so a chunk that arrives in many pieces is copied once, not per piece.
  private readonly parts: Uint8Array[] = [];
  private pendingBytes = 0;
  private consumed = 0;
  private okChunks = 0;
  private ended = false;
  private readonly chunks: ResponseChunk[] = [];

  constructor(options: ResponseParserOptions = {}) {
    this.limits = options.limits ?? DEFAULT_WIRE_LIMITS;
    this.maxOkChunks = Math.min(
      options.maxOkChunks ?? this.limits.maxBlocksPerResponse,
      this.limits.maxBlocksPerResponse,
    );
  }

  /** Chunks completed so far (all of them, not only the latest push's). */
  get received(): readonly ResponseChunk[] {
    return this.chunks;
  }

  /** True once an error chunk was read: the response is complete. */
  get done(): boolean {
    return this.ended;
  }

  /** Feeds bytes; returns the chunks they completed. Throws DecodeError (ResponseLimitError for limits). */
  push(bytes: Uint8Array): ResponseChunk[] {
    if (bytes.length === 0) return [];
    const start = this.consumed + this.pendingBytes;
    if (this.ended) throw new DecodeError('decode.trailing-bytes', 'bytes after an error chunk', start);
    if (start + bytes.length > this.limits.maxResponseBytes) {
      throw new ResponseLimitError(
        'response-bytes',
        `response exceeds ${this.limits.maxResponseBytes} bytes`,
        this.limits.maxResponseBytes,
      );
    }
    this.parts.push(bytes);
    this.pendingBytes += bytes.length;
    const completed: ResponseChunk[] = [];
    for (;;) {
      const chunk = this.next();
      if (!chunk) break;
      completed.push(chunk);
      this.chunks.push(chunk);
      if (this.ended && this.pendingBytes > 0) {
        throw new DecodeError('decode.trailing-bytes', 'bytes after an error chunk', this.consumed);
      }
    }
    return completed;
  }

  /** The stream closed: every chunk must be complete. Returns all chunks. */
  end(): ResponseChunk[] {
    if (this.pendingBytes > 0) {
      throw new DecodeError(
        'decode.truncated',
        `response ends inside a chunk (${this.pendingBytes} bytes pending)`,
        this.consumed,
      );
    }
    return this.chunks;
  }

  private next(): ResponseChunk | undefined {
    if (this.pendingBytes < CHUNK_HEADER_LENGTH) return undefined;
    const at = this.consumed;
    const header = new ByteReader(this.peek(CHUNK_HEADER_LENGTH));
    const codeByte = header.u8('result code');
    const length = header.u32('chunk length');
    const code = RESULT_CODES[codeByte];
    if (code === undefined)
      throw new DecodeError('decode.unknown-tag', `unknown result code ${codeByte}`, at);
    if (code === 'ok') {
      if (this.okChunks >= this.maxOkChunks) {
        throw new ResponseLimitError('chunks', `more than ${this.maxOkChunks} items in a response`, at);
      }
      if (length > this.limits.maxMessageBytes) {
        throw new ResponseLimitError(
          'message-bytes',
          `chunk of ${length} bytes > ${this.limits.maxMessageBytes}`,
          at,
        );
      }
    } else if (length > MAX_ERROR_PAYLOAD) {
      throw new DecodeError('decode.limit', `error payload of ${length} bytes > ${MAX_ERROR_PAYLOAD}`, at);
    }
    if (at + CHUNK_HEADER_LENGTH + length > this.limits.maxResponseBytes) {
      throw new ResponseLimitError(
        'response-bytes',
        `response exceeds ${this.limits.maxResponseBytes} bytes`,
        at,
      );
    }
    if (this.pendingBytes < CHUNK_HEADER_LENGTH + length) return undefined;
    const payload = this.take(CHUNK_HEADER_LENGTH + length).subarray(CHUNK_HEADER_LENGTH);
    this.consumed += CHUNK_HEADER_LENGTH + length;
    if (code === 'ok') {
      this.okChunks++;
      return { code, payload };
    }
    this.ended = true;
    return readErrorChunk(code, payload, at + CHUNK_HEADER_LENGTH);
  }

  /** The first `n` pending bytes (n ≤ pendingBytes): a view when one piece holds them. */
  private peek(n: number): Uint8Array {
    const first = this.parts[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const part of this.parts) {
      const use = Math.min(part.length, n - at);
      out.set(part.subarray(0, use), at);
      at += use;
      if (at === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` pending bytes (n ≤ pendingBytes): a view, or one copy across pieces. */
  private take(n: number): Uint8Array {
    this.pendingBytes -= n;
    const first = this.parts[0]!;
    if (first.length >= n) {
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let at = 0;
    let used = 0; // whole pieces consumed: removed at once, so many small pieces cost linear time
    while (at < n) {
      const part = this.parts[used]!;
      const use = Math.min(part.length, n - at);
      out.set(use === part.length ? part : part.subarray(0, use), at);
      at += use;
      if (use === part.length) used++;
      else this.parts[used] = part.subarray(use);
    }
    this.parts.splice(0, used);
    return out;
  }
}

function readErrorChunk(code: ErrorResultCode, payload: Uint8Array, at: number): ErrorChunk {
  const r = new ByteReader(payload);
  const retryAfterMs = code === 'rate-limited' ? r.u32('retry-after') : 0;
  const messageAt = at + r.offset;
  let message: string;
  try {
    message = utf8Strict.decode(r.fixed(r.remaining, 'error message'));
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('decode.non-canonical', 'error message is not UTF-8', messageAt);
  }
  if (payload.length - (code === 'rate-limited' ? 4 : 0) > MAX_ERROR_MESSAGE_BYTES) {
    throw new DecodeError(
      'decode.limit',
      `error message longer than ${MAX_ERROR_MESSAGE_BYTES} bytes`,
      messageAt,
    );
  }
  return code === 'rate-limited' ? { code, retryAfterMs, message } : { code, message };
}

/** Decodes a complete response. */
export function decodeResponse(bytes: Uint8Array, options: ResponseParserOptions = {}): ResponseChunk[] {
  const parser = new ResponseParser(options);
  parser.push(bytes);
  return parser.end();
}
