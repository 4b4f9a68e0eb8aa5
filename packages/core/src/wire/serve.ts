import { encodeCommitProof, encodeSnapshotChunk, encodeSnapshotManifest } from '../chain/codec.js';
import { commitProofAt } from '../chain/commit-proof.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import { DecodeError } from '../errors.js';
import type { ChainStore } from '../interfaces/chain-store.js';
import type { PeerStatus } from '../interfaces/network.js';
import { encodeEpochChangeProof, epochEndHeight } from './epoch-change.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
import type { WireMethod } from './methods.js';
import { decodeRequest, type WireRequest, type WireRequestOf } from './request-codec.js';
import { CHUNK_HEADER_LENGTH, type ResponseChunk } from './response-frame.js';
import { encodeStatusMessage } from './status-message.js';

export interface ServeOptions {
  /** The chain this node serves (the status message carries it). */
  readonly chainId: Uint8Array;
  readonly limits?: WireLimits;
  /** For decoding stored blocks when a commit proof is derived from them. */
  readonly codecLimits?: CodecLimits;
}

/**
 * What an honest node answers (DESIGN §8), straight from its chain store: blocks as the
 * raw stored bytes (never decoded), within the count and byte limits; commit proofs stored
 * or derived from the two blocks above; an epoch's end found by a binary search over
 * header epochs; snapshots the store serves; its status from the verified tip and base. A request that does not decode is `invalid-request`; a store
 * failure is `server-error`. Pure and synchronous (store reads are), so the libp2p binding
 * and simnet share it.
 */
export function serveRequest(
  store: ChainStore,
  method: WireMethod,
  requestBytes: Uint8Array,
  options: ServeOptions,
): ResponseChunk[] {
  const limits = options.limits ?? DEFAULT_WIRE_LIMITS;
  let request: WireRequest;
  try {
    request = decodeRequest(method, requestBytes, limits);
  } catch (err) {
    if (err instanceof DecodeError) return [{ code: 'invalid-request', message: err.message }];
    throw err;
  }
  try {
    return answerRequest(store, request, options, limits);
  } catch (err) {
    return [{ code: 'server-error', message: err instanceof Error ? err.message : 'internal error' }];
  }
}

/** The answer to an already decoded request. */
export function answerRequest(
  store: ChainStore,
  request: WireRequest,
  options: ServeOptions,
  limits: WireLimits = options.limits ?? DEFAULT_WIRE_LIMITS,
): ResponseChunk[] {
  switch (request.method) {
    case 'status': {
      const status = statusOf(store);
      if (!status) return [{ code: 'unavailable', message: 'no chain yet' }];
      return [{ code: 'ok', payload: encodeStatusMessage({ chainId: options.chainId, status }) }];
    }
    case 'blocks_by_range':
      return blocksByRange(store, request, limits);
    case 'blocks_by_hash':
      return blocksByHash(store, request, limits);
    case 'commit_proof': {
      const proof = commitProofAt(store, request.height, options.codecLimits ?? DEFAULT_CODEC_LIMITS);
      if (!proof) return [{ code: 'unavailable', message: `no commit proof for height ${request.height}` }];
      return single(encodeCommitProof(proof), limits);
    }
    case 'epoch_change_proof': {
      const height = epochEndHeight(store, request.epoch);
      const proof =
        height === undefined
          ? undefined
          : commitProofAt(store, height, options.codecLimits ?? DEFAULT_CODEC_LIMITS);
      if (height === undefined || !proof) {
        return [{ code: 'unavailable', message: `no proven end of epoch ${request.epoch}` }];
      }
      return single(encodeEpochChangeProof({ proof, block: store.blockBytes(height)! }), limits);
    }
    case 'snapshot_manifest': {
      const newest = store.snapshots().at(-1);
      if (!newest) return [{ code: 'unavailable', message: 'no snapshot served' }];
      const { height, blockHash, stateRoot, format, chunkCount, totalBytes } = newest;
      return single(
        encodeSnapshotManifest({ height, blockHash, stateRoot, format, chunkCount, totalBytes }),
        limits,
      );
    }
    case 'snapshot_chunk': {
      const data = store.snapshotChunk(request.stateRoot, request.index);
      if (!data)
        return [{ code: 'unavailable', message: `no snapshot chunk ${request.index} for that root` }];
      return single(
        encodeSnapshotChunk({ stateRoot: request.stateRoot, index: request.index, data }),
        limits,
      );
    }
  }
}

/** The status an honest node reports: its verified tip, the oldest block it serves, its newest snapshot. */
export function statusOf(store: ChainStore): PeerStatus | undefined {
  const tip = store.tip();
  if (!tip) return undefined;
  const base = store.base() ?? tip.height;
  // After a snapshot sync the base block itself may be absent: serving starts above it.
  const earliestHeight = store.blockBytes(base) ? base : base + 1;
  const snapshot = store.snapshots().at(-1);
  const status = {
    height: tip.height,
    view: tip.view,
    epoch: tip.epoch,
    blockHash: tip.hash,
    earliestHeight,
  };
  return snapshot ? { ...status, snapshotHeight: snapshot.height } : status;
}

function single(payload: Uint8Array, limits: WireLimits): ResponseChunk[] {
  if (
    payload.length > limits.maxMessageBytes ||
    CHUNK_HEADER_LENGTH + payload.length > limits.maxResponseBytes
  ) {
    return [{ code: 'server-error', message: `answer of ${payload.length} bytes exceeds the message limit` }];
  }
  return [{ code: 'ok', payload }];
}

/** Ok chunks for `blocks` up to the limits; an error when not even the first fits. */
function blockChunks(blocks: readonly Uint8Array[], limits: WireLimits): ResponseChunk[] {
  const chunks: ResponseChunk[] = [];
  let total = 0;
  for (const block of blocks) {
    if (chunks.length >= limits.maxBlocksPerResponse) break;
    const size = CHUNK_HEADER_LENGTH + block.length;
    if (block.length > limits.maxMessageBytes || total + size > limits.maxResponseBytes) break;
    chunks.push({ code: 'ok', payload: block });
    total += size;
  }
  if (chunks.length === 0 && blocks.length > 0) {
    return [{ code: 'server-error', message: 'the first block exceeds the message limit' }];
  }
  return chunks;
}

function blocksByRange(
  store: ChainStore,
  request: WireRequestOf<'blocks_by_range'>,
  limits: WireLimits,
): ResponseChunk[] {
  const count = Math.min(request.count, limits.maxBlocksPerResponse);
  // The store's byte cut ignores framing; blockChunks makes the exact cut.
  return blockChunks(store.blockRangeBytes(request.startHeight, count, limits.maxResponseBytes), limits);
}

function blocksByHash(
  store: ChainStore,
  request: WireRequestOf<'blocks_by_hash'>,
  limits: WireLimits,
): ResponseChunk[] {
  const found: Uint8Array[] = [];
  for (const hash of request.hashes) {
    const height = store.heightOfHash(hash);
    const bytes = height === undefined ? undefined : store.blockBytes(height);
    if (bytes) found.push(bytes);
  }
  return blockChunks(found, limits);
}
