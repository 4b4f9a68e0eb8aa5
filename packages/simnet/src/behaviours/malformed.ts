import {
  CHUNK_HEADER_LENGTH,
  decodeRequest,
  encodeResponse,
  type Random,
  type ResponseChunk,
  type WireMethod,
} from '@hotsync/core';
import { SimnetError } from '../errors.js';
import { replyBytes, type ServerReply } from '../network/handler.js';
import type { Behaviour } from './behaviour.js';

export interface GarbageOptions {
  /**
   * `raw` (default): random bytes that are not a response (the first byte is no result
   * code); `payload`: well-framed ok chunks whose payloads are random bytes, so blocks
   * reach the caller and fail to decode there (`structure.decode`), and other methods'
   * payloads fail in the wire codec.
   */
  readonly mode?: 'raw' | 'payload';
  /** Share of requests answered with garbage (default 1). */
  readonly rate?: number;
  readonly methods?: readonly WireMethod[];
}

/** Answers with random bytes (`malformed-response`, or a block that does not decode). */
export function garbage(options: GarbageOptions = {}): Behaviour {
  const mode = options.mode ?? 'raw';
  const rate = options.rate ?? 1;
  return {
    name: `garbage(${mode})`,
    wrap:
      (inner, { random }) =>
      async (request) => {
        if (options.methods && !options.methods.includes(request.method)) return inner(request);
        if (random.float() >= rate) return inner(request);
        if (mode === 'raw') {
          const bytes = random.bytes(random.int(1, 2048));
          bytes[0] = random.int(5, 255); // result codes are 0..4
          return { kind: 'bytes', bytes };
        }
        const honest = await inner(request);
        const count =
          honest.kind === 'chunks' ? Math.max(1, honest.chunks.filter((c) => c.code === 'ok').length) : 1;
        const chunks: ResponseChunk[] = [];
        for (let i = 0; i < count; i++)
          chunks.push({ code: 'ok', payload: random.bytes(random.int(1, 1024)) });
        return { kind: 'chunks', chunks };
      },
  };
}

export interface OversizedOptions {
  /**
   * `message` (default): a chunk announcing a payload one byte over the message limit
   * (refused from its header, before the payload is read); `items`: the honest answer
   * plus one more item than the request allows.
   */
  readonly mode?: 'message' | 'items';
  readonly methods?: readonly WireMethod[];
}

/** Answers beyond the limits: the client stops reading (`oversized-response`). */
export function oversized(options: OversizedOptions = {}): Behaviour {
  const mode = options.mode ?? 'message';
  return {
    name: `oversized(${mode})`,
    wrap:
      (inner, { limits }) =>
      async (request) => {
        if (options.methods && !options.methods.includes(request.method)) return inner(request);
        const honest = await inner(request);
        if (mode === 'message') {
          // Only the header and a little of the announced payload go out: the client refuses at the header.
          const bytes = new Uint8Array(CHUNK_HEADER_LENGTH + 1024);
          new DataView(bytes.buffer).setUint32(1, limits.maxMessageBytes + 1);
          return withDelay(honest, { kind: 'bytes', bytes });
        }
        const items = honest.kind === 'chunks' ? honest.chunks.filter((c) => c.code === 'ok') : [];
        const filler = items[0] ?? { code: 'ok' as const, payload: new Uint8Array(64) };
        const allowed = allowedItems(request.method, request.bytes, limits.maxBlocksPerResponse);
        const chunks = [...items];
        while (chunks.length <= allowed) chunks.push(filler);
        return withDelay(honest, { kind: 'chunks', chunks });
      },
  };
}

function allowedItems(method: WireMethod, bytes: Uint8Array, maxPerResponse: number): number {
  const request = decodeRequest(method, bytes);
  switch (request.method) {
    case 'blocks_by_range':
      return Math.min(request.count, maxPerResponse);
    case 'blocks_by_hash':
      return Math.min(request.hashes.length, maxPerResponse);
    default:
      return 1;
  }
}

function withDelay(from: ServerReply, reply: ServerReply): ServerReply {
  return from.kind !== 'silent' && from.delayMs && reply.kind !== 'silent'
    ? { ...reply, delayMs: from.delayMs }
    : reply;
}

export interface TruncatedOptions {
  /**
   * `fewer-blocks` (default): ranges and hash requests get only the first `keep` share of
   * the blocks, a well-formed answer the contract allows but that slows sync down;
   * `cut-stream`: the response stops in the middle of its last chunk (`malformed-response`).
   */
  readonly mode?: 'fewer-blocks' | 'cut-stream';
  /** Share of the blocks kept by `fewer-blocks` (default 0.5; at least one when there were any). */
  readonly keep?: number;
  /** Methods whose streams `cut-stream` cuts (default all). */
  readonly methods?: readonly WireMethod[];
}

export function truncated(options: TruncatedOptions = {}): Behaviour {
  const mode = options.mode ?? 'fewer-blocks';
  const keep = options.keep ?? 0.5;
  if (!(keep >= 0 && keep <= 1))
    throw new SimnetError('simnet.invalid-option', `keep must be in [0, 1], got ${keep}`);
  return {
    name: `truncated(${mode})`,
    wrap:
      (inner, { random }) =>
      async (request) => {
        const honest = await inner(request);
        if (honest.kind !== 'chunks') return honest;
        if (options.methods && !options.methods.includes(request.method)) return honest;
        if (mode === 'cut-stream') return cutStream(honest, random);
        if (request.method !== 'blocks_by_range' && request.method !== 'blocks_by_hash') return honest;
        const n = honest.chunks.length;
        const kept = n === 0 ? 0 : Math.max(1, Math.floor(n * keep));
        return { ...honest, chunks: honest.chunks.slice(0, kept) };
      },
  };
}

function cutStream(reply: ServerReply & { kind: 'chunks' }, random: Random): ServerReply {
  const bytes = replyBytes(reply)!;
  const last = reply.chunks.at(-1);
  if (!last) return reply; // nothing to cut (an empty range)
  const lastLength = encodeResponse([last]).length;
  const lastStart = bytes.length - lastLength;
  // Somewhere strictly inside the last chunk: never on a chunk boundary.
  const cut = lastStart + random.int(1, lastLength - 1);
  return { kind: 'bytes', bytes: bytes.subarray(0, cut), ...(reply.delayMs && { delayMs: reply.delayMs }) };
}
