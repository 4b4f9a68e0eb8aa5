import { type PublicKey, toHex } from '@hotsync/core';

/** How a transport names a participant (a libp2p transport maps it to a PeerId). */
export type NodeId = string;

/** Receives one encoded message (`message-codec.ts`) and who sent it. */
export type MessageHandler = (from: NodeId, bytes: Uint8Array) => void;

/**
 * What the engine needs from a network: fire-and-forget delivery of encoded messages. Every
 * message is a byte array whose first byte is its type tag (`peekMessageType`), so one
 * libp2p protocol (one length-prefixed frame per message) carries them all. Delivery may
 * be late, reordered, duplicated or lost: the protocol tolerates all four. A message that
 * does not decode is dropped by the engine, never thrown back into the transport.
 */
export interface ConsensusTransport {
  /** This node's id. */
  readonly self: NodeId;
  /** To one participant (a vote to the next leader, a block-response to its requester). */
  send(to: NodeId, bytes: Uint8Array): void;
  /** To every other participant (proposals, new-views). */
  broadcast(bytes: Uint8Array): void;
  /** Registers a handler for inbound messages; returns the unsubscribe function. */
  subscribe(handler: MessageHandler): () => void;
}

/** The default id of a validator: its public key in hex (a transport maps it to an address). */
export function validatorNodeId(publicKey: PublicKey): NodeId {
  return toHex(publicKey);
}
