import {
  decodeCommitProof,
  decodeSnapshotChunk,
  decodeSnapshotManifest,
  encodeCommitProof,
  encodeSnapshotChunk,
  encodeSnapshotManifest,
} from '../chain/codec.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import type { CommitProof, SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { DecodeError } from '../errors.js';
import type { EpochChangeProof } from '../interfaces/network.js';
import { decodeEpochChangeProof, encodeEpochChangeProof } from './epoch-change.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
import type { WireMethod } from './methods.js';
import type { WireRequest, WireRequestOf } from './request-codec.js';
import { type ErrorChunk, type ResponseChunk, ResponseParser } from './response-frame.js';
import { decodeStatusMessage, encodeStatusMessage, type StatusMessage } from './status-message.js';

/** What an ok response of each method carries. Blocks stay encoded: the caller's ChainSpec decodes them. */
export interface WireResponseValues {
  status: StatusMessage;
  blocks_by_range: Uint8Array[];
  blocks_by_hash: Uint8Array[];
  commit_proof: CommitProof;
  epoch_change_proof: EpochChangeProof;
  snapshot_manifest: SnapshotManifest;
  snapshot_chunk: SnapshotChunk;
}

export type WireReply<M extends WireMethod> =
  | { readonly ok: true; readonly value: WireResponseValues[M] }
  | { readonly ok: false; readonly error: ErrorChunk };

export interface ReplyOptions {
  readonly limits?: WireLimits;
  /** For commit proofs and snapshot chunks (default: the codec's). */
  readonly codecLimits?: CodecLimits;
}

/** Most ok chunks a response to `request` may carry: one item, or as many blocks as asked for. */
export function maxItemsFor(request: WireRequest, limits: WireLimits = DEFAULT_WIRE_LIMITS): number {
  switch (request.method) {
    case 'blocks_by_range':
      return Math.min(request.count, limits.maxBlocksPerResponse);
    case 'blocks_by_hash':
      return Math.min(request.hashes.length, limits.maxBlocksPerResponse);
    case 'status':
    case 'commit_proof':
    case 'epoch_change_proof':
    case 'snapshot_manifest':
    case 'snapshot_chunk':
      return 1;
  }
}

/** The ok chunks answering `method` with `value`. */
export function encodeReply<M extends WireMethod>(method: M, value: WireResponseValues[M]): ResponseChunk[] {
  const ok = (payload: Uint8Array): ResponseChunk => ({ code: 'ok', payload });
  const m = method as WireMethod;
  switch (m) {
    case 'status':
      return [ok(encodeStatusMessage(value as StatusMessage))];
    case 'blocks_by_range':
    case 'blocks_by_hash':
      return (value as Uint8Array[]).map(ok);
    case 'commit_proof':
      return [ok(encodeCommitProof(value as CommitProof))];
    case 'epoch_change_proof':
      return [ok(encodeEpochChangeProof(value as EpochChangeProof))];
    case 'snapshot_manifest':
      return [ok(encodeSnapshotManifest(value as SnapshotManifest))];
    case 'snapshot_chunk':
      return [ok(encodeSnapshotChunk(value as SnapshotChunk))];
  }
}

/**
 * Reads the complete response to `request`: framing, limits (ResponseLimitError), then the
 * ok payloads with the core codec (DecodeError). An error chunk gives `{ ok: false }`, even
 * after some blocks: a failed request is retried whole.
 */
export function decodeReply<M extends WireMethod>(
  // Either spelling: a transport's generic `ask<M>` holds a WireRequestOf<M>.
  request: WireRequestOf<M> | (WireRequest & { readonly method: M }),
  bytes: Uint8Array,
  options: ReplyOptions = {},
): WireReply<M> {
  const limits = options.limits ?? DEFAULT_WIRE_LIMITS;
  const parser = new ResponseParser({ limits, maxOkChunks: maxItemsFor(request, limits) });
  parser.push(bytes);
  return interpretReply(request.method as M, parser.end(), options);
}

/** Turns parsed chunks into the method's value (or its error). */
export function interpretReply<M extends WireMethod>(
  method: M,
  chunks: readonly ResponseChunk[],
  options: ReplyOptions = {},
): WireReply<M> {
  const last = chunks[chunks.length - 1];
  if (last && last.code !== 'ok') return { ok: false, error: last };
  const payloads = chunks.map((c) => (c as Extract<ResponseChunk, { code: 'ok' }>).payload);
  const value = okValue(method, payloads, options.codecLimits ?? DEFAULT_CODEC_LIMITS);
  return { ok: true, value: value as WireResponseValues[M] };
}

function okValue(
  method: WireMethod,
  payloads: Uint8Array[],
  codecLimits: CodecLimits,
): WireResponseValues[WireMethod] {
  if (method === 'blocks_by_range' || method === 'blocks_by_hash') return payloads;
  if (payloads.length !== 1) {
    throw new DecodeError('decode.length', `a ${method} response carries one item, got ${payloads.length}`);
  }
  const payload = payloads[0]!;
  switch (method) {
    case 'status':
      return decodeStatusMessage(payload);
    case 'commit_proof':
      return decodeCommitProof(payload, codecLimits);
    case 'epoch_change_proof':
      return decodeEpochChangeProof(payload, codecLimits);
    case 'snapshot_manifest':
      return decodeSnapshotManifest(payload);
    case 'snapshot_chunk':
      return decodeSnapshotChunk(payload, codecLimits);
  }
}
