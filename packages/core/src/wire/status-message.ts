import { CHAIN_ID_LENGTH } from '../chain/types.js';
import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';
import type { PeerStatus } from '../interfaces/network.js';

/**
 * The ok payload of `status`: the full chain id (the protocol id carries only 4 bytes of
 * it) and the peer's claims:
 * `chainId ‖ u64 height ‖ u64 view ‖ u64 epoch ‖ hash blockHash ‖ u64 earliestHeight ‖
 *  u8 hasSnapshot ‖ [u64 snapshotHeight]`.
 */
export interface StatusMessage {
  readonly chainId: Uint8Array;
  readonly status: PeerStatus;
}

const FIXED_LENGTH = CHAIN_ID_LENGTH + 3 * 8 + HASH_LENGTH + 8 + 1;

export function encodeStatusMessage(message: StatusMessage): Uint8Array {
  const { chainId, status } = message;
  const hasSnapshot = status.snapshotHeight !== undefined;
  const w = new ByteWriter(FIXED_LENGTH + (hasSnapshot ? 8 : 0))
    .fixed(chainId, CHAIN_ID_LENGTH)
    .u64(status.height)
    .u64(status.view)
    .u64(status.epoch)
    .fixed(status.blockHash, HASH_LENGTH)
    .u64(status.earliestHeight)
    .u8(hasSnapshot ? 1 : 0);
  if (hasSnapshot) w.u64(status.snapshotHeight!);
  return w.finish();
}

export function decodeStatusMessage(bytes: Uint8Array): StatusMessage {
  const r = new ByteReader(bytes);
  const chainId = r.fixed(CHAIN_ID_LENGTH, 'status.chainId');
  const height = r.u64('status.height');
  const view = r.u64('status.view');
  const epoch = r.u64('status.epoch');
  const blockHash = r.fixed(HASH_LENGTH, 'status.blockHash');
  const earliestHeight = r.u64('status.earliestHeight');
  const flagAt = r.offset;
  const flag = r.u8('status.hasSnapshot');
  if (flag > 1) throw new DecodeError('decode.non-canonical', `snapshot flag ${flag}`, flagAt);
  const status: PeerStatus =
    flag === 1
      ? { height, view, epoch, blockHash, earliestHeight, snapshotHeight: r.u64('status.snapshotHeight') }
      : { height, view, epoch, blockHash, earliestHeight };
  r.end('status message');
  return { chainId, status };
}
