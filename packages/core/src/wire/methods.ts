import { CHAIN_ID_LENGTH } from '../chain/types.js';
import { toHex } from '../encoding/bytes.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * The request/response protocols of DESIGN §8, one libp2p protocol id each, plus
 * `epoch_change_proof` for core's `SyncNetwork.epochChangeProof`.
 */
export const WIRE_METHODS = [
  'status',
  'blocks_by_range',
  'blocks_by_hash',
  'commit_proof',
  'epoch_change_proof',
  'snapshot_manifest',
  'snapshot_chunk',
] as const;

export type WireMethod = (typeof WIRE_METHODS)[number];

/** Version suffix of every protocol id; bumped per method when its encoding changes. */
export const WIRE_PROTOCOL_VERSION = 1;

export function isWireMethod(value: string): value is WireMethod {
  return (WIRE_METHODS as readonly string[]).includes(value);
}

/** First 8 hex characters of the chain id: enough to keep chains apart at protocol negotiation. */
export function chainIdHex8(chainId: Uint8Array): string {
  if (chainId.length !== CHAIN_ID_LENGTH) {
    throw new InvalidArgumentError(
      'arg.length',
      `a chain id is ${CHAIN_ID_LENGTH} bytes, got ${chainId.length}`,
    );
  }
  return toHex(chainId.subarray(0, 4));
}

/** `/hotsync/<chainIdHex8>/<method>/1`. */
export function protocolId(chainId: Uint8Array, method: WireMethod): string {
  return `/hotsync/${chainIdHex8(chainId)}/${method}/${WIRE_PROTOCOL_VERSION}`;
}

const PROTOCOL_ID = /^\/hotsync\/([0-9a-f]{8})\/([a-z_]+)\/(\d+)$/;

/** The parts of a hotsync protocol id, or undefined when it is not one this version speaks. */
export function parseProtocolId(
  id: string,
): { readonly chainIdHex8: string; readonly method: WireMethod } | undefined {
  const match = PROTOCOL_ID.exec(id);
  if (!match) return undefined;
  const [, prefix, method, version] = match;
  if (Number(version) !== WIRE_PROTOCOL_VERSION || !isWireMethod(method!)) return undefined;
  return { chainIdHex8: prefix!, method };
}
