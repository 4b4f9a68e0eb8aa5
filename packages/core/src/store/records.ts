import { readValidatorSet, validatorSetEncodedLength, writeValidatorSet } from '../chain/codec.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import type { Hash } from '../chain/types.js';
import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError, InvalidArgumentError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type { Checkpoint, PeerBan, StoredSnapshot } from '../interfaces/chain-store.js';
import type { TrustedPoint } from '../interfaces/verifier.js';

/*
 * Canonical encodings of what the chain store keeps besides blocks, commit proofs and
 * validator sets (those use the chain codec). Same rules as the wire codec: fixed-width
 * big-endian fields, u32 length prefixes, no trailing bytes, encode(decode(x)) == x.
 * Decoded byte fields are views into the input; the stores decode from buffers they own.
 */

/** Longest peer id a ban record holds (it is also the LMDB key, and LMDB keys are at most 1978 bytes). */
export const MAX_PEER_ID_BYTES = 1024;
/** Longest free-text field (a ban reason, a strategy name). */
export const MAX_RECORD_TEXT_BYTES = 4096;

const utf8Encoder = new TextEncoder();
// fatal: invalid UTF-8 is a decode error, not U+FFFD; ignoreBOM: a leading U+FEFF is kept, so decoding is exact.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a text field, refused when longer than `max`. */
export function textBytes(text: string, max: number, what: string): Uint8Array {
  const bytes = utf8Encoder.encode(text);
  if (bytes.length > max) {
    throw new InvalidArgumentError('arg.length', `${what} is ${bytes.length} bytes (at most ${max})`);
  }
  return bytes;
}

function readText(r: ByteReader, max: number, what: string): string {
  const at = r.offset;
  const bytes = r.bytes(max, what);
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new DecodeError('decode.non-canonical', `${what} is not valid UTF-8`, at);
  }
}

/** A peer id as stored (and as the LMDB key of its ban): non-empty UTF-8, bounded. */
export function peerIdBytes(peer: string): Uint8Array {
  if (peer.length === 0) throw new InvalidArgumentError('arg.empty', 'a peer id must not be empty');
  return textBytes(peer, MAX_PEER_ID_BYTES, 'peer id');
}

// ---- trusted point (the tip) ------------------------------------------------------

export function encodeTrustedPoint(p: TrustedPoint): Uint8Array {
  const w = new ByteWriter(4 * 8 + 2 * HASH_LENGTH + validatorSetEncodedLength(p.validatorSet));
  w.u64(p.height)
    .fixed(p.hash, HASH_LENGTH)
    .u64(p.view)
    .u64(p.epoch)
    .u64(p.timestampMs)
    .fixed(p.stateRoot, HASH_LENGTH);
  writeValidatorSet(w, p.validatorSet);
  return w.finish();
}

export function decodeTrustedPoint(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): TrustedPoint {
  const r = new ByteReader(bytes);
  const height = r.u64('tip.height');
  const hash = r.fixed(HASH_LENGTH, 'tip.hash');
  const view = r.u64('tip.view');
  const epoch = r.u64('tip.epoch');
  const timestampMs = r.u64('tip.timestampMs');
  const stateRoot = r.fixed(HASH_LENGTH, 'tip.stateRoot');
  const validatorSet = readValidatorSet(r, limits);
  r.end('trusted point');
  return { height, hash, view, epoch, timestampMs, stateRoot, validatorSet };
}

// ---- checkpoint ---------------------------------------------------------------------

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const strategy = textBytes(c.strategy, MAX_RECORD_TEXT_BYTES, 'checkpoint strategy');
  const w = new ByteWriter(3 * 8 + HASH_LENGTH + 4 + strategy.length);
  w.u64(c.height).fixed(c.hash, HASH_LENGTH).u64(c.atMs).u64(c.targetHeight).bytes(strategy);
  return w.finish();
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const r = new ByteReader(bytes);
  const height = r.u64('checkpoint.height');
  const hash = r.fixed(HASH_LENGTH, 'checkpoint.hash');
  const atMs = r.u64('checkpoint.atMs');
  const targetHeight = r.u64('checkpoint.targetHeight');
  const strategy = readText(r, MAX_RECORD_TEXT_BYTES, 'checkpoint.strategy');
  r.end('checkpoint');
  return { height, hash, atMs, targetHeight, strategy };
}

// ---- peer ban -----------------------------------------------------------------------

export function encodePeerBan(b: PeerBan): Uint8Array {
  const peer = peerIdBytes(b.peer);
  const reason = textBytes(b.reason, MAX_RECORD_TEXT_BYTES, 'ban reason');
  const w = new ByteWriter(4 + peer.length + 4 + reason.length + 2 * 8);
  w.bytes(peer).bytes(reason).u64(b.sinceMs).u64(b.untilMs);
  return w.finish();
}

export function decodePeerBan(bytes: Uint8Array): PeerBan {
  const r = new ByteReader(bytes);
  const peerAt = r.offset;
  const peer = readText(r, MAX_PEER_ID_BYTES, 'ban.peer');
  if (peer.length === 0) throw new DecodeError('decode.length', 'empty peer id in a ban', peerAt);
  const reason = readText(r, MAX_RECORD_TEXT_BYTES, 'ban.reason');
  const sinceMs = r.u64('ban.sinceMs');
  const untilMs = r.u64('ban.untilMs');
  r.end('peer ban');
  return { peer, reason, sinceMs, untilMs };
}

// ---- stored snapshot ----------------------------------------------------------------

/** Encoded size of a stored snapshot: height, two hashes, format u16, chunk count u32, total bytes u64. */
export const STORED_SNAPSHOT_LENGTH = 8 + 2 * HASH_LENGTH + 2 + 4 + 8;

export function encodeStoredSnapshot(s: StoredSnapshot): Uint8Array {
  const w = new ByteWriter(STORED_SNAPSHOT_LENGTH);
  w.u64(s.height)
    .fixed(s.blockHash, HASH_LENGTH)
    .fixed(s.stateRoot, HASH_LENGTH)
    .u16(s.format)
    .u32(s.chunkCount)
    .u64(s.totalBytes);
  return w.finish();
}

export function decodeStoredSnapshot(bytes: Uint8Array): StoredSnapshot {
  const r = new ByteReader(bytes);
  const height = r.u64('snapshot.height');
  const blockHash = r.fixed(HASH_LENGTH, 'snapshot.blockHash');
  const stateRoot = r.fixed(HASH_LENGTH, 'snapshot.stateRoot');
  const format = r.u16('snapshot.format');
  const chunkCount = r.u32('snapshot.chunkCount');
  const totalBytes = r.u64('snapshot.totalBytes');
  r.end('stored snapshot');
  return { height, blockHash, stateRoot, format, chunkCount, totalBytes };
}

// ---- base ---------------------------------------------------------------------------

/**
 * The store's lowest point: its height and the hash of the block there. The hash is kept
 * because the block itself may be absent (a snapshot base stores no block), yet a rollback
 * to the base or a commit proof for it must still be checked against it.
 */
export interface StoreBase {
  readonly height: number;
  readonly hash: Hash;
}

export const STORE_BASE_LENGTH = 8 + HASH_LENGTH;

export function encodeStoreBase(b: StoreBase): Uint8Array {
  return new ByteWriter(STORE_BASE_LENGTH).u64(b.height).fixed(b.hash, HASH_LENGTH).finish();
}

export function decodeStoreBase(bytes: Uint8Array): StoreBase {
  const r = new ByteReader(bytes);
  const height = r.u64('base.height');
  const hash = r.fixed(HASH_LENGTH, 'base.hash');
  r.end('store base');
  return { height, hash };
}
