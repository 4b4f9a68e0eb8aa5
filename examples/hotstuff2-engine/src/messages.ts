import {
  type Block,
  ByteWriter,
  CHAIN_ID_LENGTH,
  HASH_LENGTH,
  type Hash,
  type QuorumCertificate,
  type Signature,
  type Vote,
} from '@hotsync/core';

/*
 * The consensus messages (chained HotStuff-2). Blocks and QCs use core's reference format;
 * what is new here is the envelope: who says it, in which view, and a signature where a
 * claim would otherwise be anyone's word (a proposal's author, a new-view's sender).
 */

/** Index of a validator in the canonical order of the current validator set. */
export type ValidatorIndex = number;

/** The leader's block for `block.header.view`, signed by the leader over the block hash. */
export interface ProposalMessage {
  readonly type: 'proposal';
  readonly block: Block;
  readonly signature: Signature;
}

/** A prepare vote for one block, sent to the leader of the next view. */
export interface VoteMessage {
  readonly type: 'vote';
  readonly vote: Vote;
  readonly voter: ValidatorIndex;
  /** Over core's `voteSignBytes(chainId, vote)`: votes assemble into QCs as they are. */
  readonly signature: Signature;
}

/**
 * "I am in `view` now (the last one timed out), and this is the highest QC I know." Broadcast:
 * the leader of `view` proposes after a quorum of them; everyone else jumps to `view` once
 * validators holding more than a third of the power have moved there (view synchronization).
 */
export interface NewViewMessage {
  readonly type: 'new-view';
  readonly epoch: number;
  readonly view: number;
  readonly sender: ValidatorIndex;
  readonly highQc: QuorumCertificate | undefined;
  readonly signature: Signature;
}

/**
 * Asks for the block `hash` and its ancestors down to `floorHeight + 1` (the asker's committed
 * height), at most `maxBlocks`: a replica that missed proposals fetches the uncommitted
 * blocks it must execute before it can vote. Far-behind nodes use hotsync sync instead.
 */
export interface BlockRequestMessage {
  readonly type: 'block-request';
  readonly hash: Hash;
  readonly floorHeight: number;
  readonly maxBlocks: number;
}

/** Blocks answering a request, newest first (the requested block, then its parent, ...). */
export interface BlockResponseMessage {
  readonly type: 'block-response';
  readonly blocks: readonly Block[];
}

export type ConsensusMessage =
  | ProposalMessage
  | VoteMessage
  | NewViewMessage
  | BlockRequestMessage
  | BlockResponseMessage;

export type MessageType = ConsensusMessage['type'];

/** The first byte of every encoded message. */
export const MESSAGE_TAG = {
  proposal: 1,
  vote: 2,
  'new-view': 3,
  'block-request': 4,
  'block-response': 5,
} as const satisfies Record<MessageType, number>;

const PROPOSAL_TAG = new TextEncoder().encode('hs2/proposal/v1\0');
const NEW_VIEW_TAG = new TextEncoder().encode('hs2/new-view/v1\0');

/** `"hs2/proposal/v1" ‖ 0x00 ‖ chainId ‖ blockHash`: what a leader signs for its proposal. */
export function proposalSignBytes(chainId: Uint8Array, blockHash: Hash): Uint8Array {
  return new ByteWriter(PROPOSAL_TAG.length + CHAIN_ID_LENGTH + HASH_LENGTH)
    .raw(PROPOSAL_TAG)
    .fixed(chainId, CHAIN_ID_LENGTH)
    .fixed(blockHash, HASH_LENGTH)
    .finish();
}

/** `"hs2/new-view/v1" ‖ 0x00 ‖ chainId ‖ epoch ‖ view`: what a validator signs when it moves to `view`. */
export function newViewSignBytes(chainId: Uint8Array, epoch: number, view: number): Uint8Array {
  return new ByteWriter(NEW_VIEW_TAG.length + CHAIN_ID_LENGTH + 16)
    .raw(NEW_VIEW_TAG)
    .fixed(chainId, CHAIN_ID_LENGTH)
    .u64(epoch)
    .u64(view)
    .finish();
}
