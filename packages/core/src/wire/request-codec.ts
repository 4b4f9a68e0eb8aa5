import type { Hash } from '../chain/types.js';
import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
import type { WireMethod } from './methods.js';

/*
 * Requests (DESIGN §8): one message per stream, `u32 length ‖ body`. The method is not in
 * the bytes: the protocol id names it. Bodies, canonical as every hotsync encoding:
 *   status, snapshot_manifest: empty
 *   blocks_by_range:  u64 startHeight ‖ u32 count            (1 ≤ count ≤ maxBlocksPerRequest)
 *   blocks_by_hash:   u32 n ‖ n × hash                      (1 ≤ n ≤ maxHashesPerRequest)
 *   commit_proof:     u64 height
 *   epoch_change_proof: u64 epoch
 *   snapshot_chunk:   hash stateRoot ‖ u32 index
 */

export type WireRequest =
  | { readonly method: 'status' }
  | { readonly method: 'blocks_by_range'; readonly startHeight: number; readonly count: number }
  | { readonly method: 'blocks_by_hash'; readonly hashes: readonly Hash[] }
  | { readonly method: 'commit_proof'; readonly height: number }
  | { readonly method: 'epoch_change_proof'; readonly epoch: number }
  | { readonly method: 'snapshot_manifest' }
  | { readonly method: 'snapshot_chunk'; readonly stateRoot: Hash; readonly index: number };

export type WireRequestOf<M extends WireMethod> = Extract<WireRequest, { readonly method: M }>;

/** Length of the prefix in front of every request body. */
export const REQUEST_PREFIX_LENGTH = 4;

function bodyLength(request: WireRequest): number {
  switch (request.method) {
    case 'status':
    case 'snapshot_manifest':
      return 0;
    case 'blocks_by_range':
      return 12;
    case 'blocks_by_hash':
      return 4 + request.hashes.length * HASH_LENGTH;
    case 'commit_proof':
    case 'epoch_change_proof':
      return 8;
    case 'snapshot_chunk':
      return HASH_LENGTH + 4;
  }
}

/** The framed request (`u32 length ‖ body`). Throws InvalidArgumentError on out-of-range fields. */
export function encodeRequest(request: WireRequest): Uint8Array {
  const length = bodyLength(request);
  const w = new ByteWriter(REQUEST_PREFIX_LENGTH + length).u32(length);
  switch (request.method) {
    case 'status':
    case 'snapshot_manifest':
      break;
    case 'blocks_by_range':
      w.u64(request.startHeight).u32(request.count);
      break;
    case 'blocks_by_hash':
      w.u32(request.hashes.length);
      for (const h of request.hashes) w.fixed(h, HASH_LENGTH);
      break;
    case 'commit_proof':
      w.u64(request.height);
      break;
    case 'epoch_change_proof':
      w.u64(request.epoch);
      break;
    case 'snapshot_chunk':
      w.fixed(request.stateRoot, HASH_LENGTH).u32(request.index);
      break;
  }
  return w.finish();
}

/**
 * Reads the length prefix of a request and checks it against the limit, so a streaming
 * reader knows how many body bytes to wait for (and refuses before buffering them).
 */
export function readRequestLength(prefix: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): number {
  const length = new ByteReader(prefix.subarray(0, REQUEST_PREFIX_LENGTH)).u32('request length');
  if (length > limits.maxRequestBytes) {
    throw new DecodeError('decode.limit', `request of ${length} bytes > ${limits.maxRequestBytes}`, 0);
  }
  return length;
}

/** Decodes a framed request of `method`; every defect is a DecodeError, checked before allocation. */
export function decodeRequest<M extends WireMethod>(
  method: M,
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): WireRequestOf<M> {
  const length = readRequestLength(bytes, limits);
  if (bytes.length - REQUEST_PREFIX_LENGTH < length) {
    throw new DecodeError(
      'decode.truncated',
      `request body of ${length} bytes, have ${bytes.length - REQUEST_PREFIX_LENGTH}`,
      REQUEST_PREFIX_LENGTH,
    );
  }
  const r = new ByteReader(bytes.subarray(REQUEST_PREFIX_LENGTH, REQUEST_PREFIX_LENGTH + length));
  const request = readBody(method, r, limits);
  r.end(`${method} request`);
  if (bytes.length !== REQUEST_PREFIX_LENGTH + length) {
    throw new DecodeError(
      'decode.trailing-bytes',
      'bytes after the request message',
      REQUEST_PREFIX_LENGTH + length,
    );
  }
  return request as WireRequestOf<M>;
}

function readBody(method: WireMethod, r: ByteReader, limits: WireLimits): WireRequest {
  switch (method) {
    case 'status':
    case 'snapshot_manifest':
      return { method };
    case 'blocks_by_range': {
      const startHeight = r.u64('blocks_by_range.startHeight');
      const at = r.offset;
      const count = r.u32('blocks_by_range.count');
      if (count === 0 || count > limits.maxBlocksPerRequest) {
        throw new DecodeError('decode.limit', `count ${count} not in 1..${limits.maxBlocksPerRequest}`, at);
      }
      return { method, startHeight, count };
    }
    case 'blocks_by_hash': {
      const at = r.offset;
      const n = r.u32('blocks_by_hash.count');
      if (n === 0 || n > limits.maxHashesPerRequest) {
        throw new DecodeError('decode.limit', `${n} hashes not in 1..${limits.maxHashesPerRequest}`, at);
      }
      if (r.remaining < n * HASH_LENGTH) {
        throw new DecodeError('decode.truncated', `${n} hashes need ${n * HASH_LENGTH} bytes`, r.offset);
      }
      const hashes: Hash[] = new Array(n);
      for (let i = 0; i < n; i++) hashes[i] = r.fixed(HASH_LENGTH, 'blocks_by_hash.hash');
      return { method, hashes };
    }
    case 'commit_proof':
      return { method, height: r.u64('commit_proof.height') };
    case 'epoch_change_proof':
      return { method, epoch: r.u64('epoch_change_proof.epoch') };
    case 'snapshot_chunk': {
      const stateRoot = r.fixed(HASH_LENGTH, 'snapshot_chunk.stateRoot');
      const index = r.u32('snapshot_chunk.index');
      return { method, stateRoot, index };
    }
  }
}
