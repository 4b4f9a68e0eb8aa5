import {
  type ChainStore,
  encodeResponse,
  type PeerId,
  type ResponseChunk,
  type ServeOptions,
  serveRequest,
  type WireMethod,
} from '@hotsync/core';

/** A request as it reaches the serving node: the method (the protocol id) and the framed bytes. */
export interface ServedRequest {
  /** The node that asked. */
  readonly from: PeerId;
  /** The node answering. */
  readonly to: PeerId;
  readonly method: WireMethod;
  readonly bytes: Uint8Array;
  readonly atMs: number;
}

/**
 * What a serving node does with a request. `chunks` are encoded with the wire codec;
 * `bytes` go out as they are (garbage, cut streams); `silent` never answers (the client's
 * timeout decides). `delayMs` is time spent before the first byte is sent.
 */
export type ServerReply =
  | { readonly kind: 'chunks'; readonly chunks: readonly ResponseChunk[]; readonly delayMs?: number }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly delayMs?: number }
  | { readonly kind: 'silent' };

export type RequestHandler = (request: ServedRequest) => ServerReply | Promise<ServerReply>;

/** The bytes a reply puts on the link (undefined for `silent`). */
export function replyBytes(reply: ServerReply): Uint8Array | undefined {
  switch (reply.kind) {
    case 'chunks':
      return encodeResponse(reply.chunks);
    case 'bytes':
      return reply.bytes;
    case 'silent':
      return undefined;
  }
}

/** A node that answers from `store` exactly as an honest node does (core's `serveRequest`). */
export function honestHandler(store: ChainStore, options: ServeOptions): RequestHandler {
  return (request) => ({
    kind: 'chunks',
    chunks: serveRequest(store, request.method, request.bytes, options),
  });
}

/** Adds `ms` to a reply's delay (silent stays silent). */
export function delayed(reply: ServerReply, ms: number): ServerReply {
  if (reply.kind === 'silent') return reply;
  return { ...reply, delayMs: (reply.delayMs ?? 0) + ms };
}
