import { type SigningKey, taggedHash, toHex } from '@hotsync/core';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';

// PKCS#8 DER of an Ed25519 private key ends with its 32-byte seed (RFC 8410).
const SEED_BYTES = 32;

/**
 * The libp2p identity of a validator, derived from its consensus key: stable across
 * restarts (so are the bans others keep about it), yet a key of its own, so a libp2p
 * handshake signature can never be replayed as a vote. `seed' = H("hotsync-example/libp2p-key/v1", seed)`.
 */
export async function libp2pKeyOf(key: SigningKey): Promise<PrivateKey> {
  const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = new Uint8Array(der.subarray(der.length - SEED_BYTES));
  return generateKeyPairFromSeed('Ed25519', taggedHash('hotsync-example/libp2p-key/v1', seed));
}

/** One validator as the network knows it: its consensus public key and its libp2p peer id. */
export interface RosterEntry {
  readonly publicKeyHex: string;
  readonly peerId: string;
}

export async function rosterEntryOf(key: SigningKey): Promise<RosterEntry> {
  return {
    publicKeyHex: toHex(key.publicKey),
    peerId: peerIdFromPrivateKey(await libp2pKeyOf(key)).toString(),
  };
}

/**
 * The engine's `nodeIdOf` over a roster: a validator's transport id is its peer id (the
 * genesis file of a real chain would list them). A validator missing from the roster keeps
 * the engine's default id, to which the libp2p transport delivers nothing.
 */
export function rosterNodeIds(roster: readonly RosterEntry[]): (publicKey: Uint8Array) => string {
  const byKey = new Map(roster.map((e) => [e.publicKeyHex, e.peerId]));
  return (publicKey) => {
    const hex = toHex(publicKey);
    return byKey.get(hex) ?? hex;
  };
}
