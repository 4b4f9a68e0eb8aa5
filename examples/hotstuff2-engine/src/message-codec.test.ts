import {
  codecLimits,
  createMemoryStateMachine,
  DecodeError,
  decodeBlock,
  MemoryChainStore,
  signBytes,
  signVote,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MAX_RESPONSE_BLOCKS, peekMessageType } from './message-codec.js';
import { type ConsensusMessage, MESSAGE_TAG, newViewSignBytes, proposalSignBytes } from './messages.js';

let samples: ConsensusMessage[];

beforeAll(async () => {
  const store = new MemoryChainStore();
  const chain = await generateChain({ seed: 3, blocks: 4, store, stateMachine: createMemoryStateMachine() });
  const key = chain.keys(0)[1]!;
  const blocks = [1, 2, 3].map((h) => decodeBlock(store.blockBytes(h)!));
  const block = blocks[2]!;
  const vote = { ...chain.tipCommitProof.qc.vote };
  samples = [
    {
      type: 'proposal',
      block,
      signature: signBytes(key, proposalSignBytes(chain.chainId, store.tip()!.hash)),
    },
    { type: 'vote', vote, voter: 1, signature: signVote(key, chain.chainId, vote) },
    {
      type: 'new-view',
      epoch: 0,
      view: 9,
      sender: 1,
      highQc: chain.tipCommitProof.qc,
      signature: signBytes(key, newViewSignBytes(chain.chainId, 0, 9)),
    },
    {
      type: 'new-view',
      epoch: 0,
      view: 10,
      sender: 2,
      highQc: undefined,
      signature: new Uint8Array(64).fill(7),
    },
    { type: 'block-request', hash: block.header.parentHash, floorHeight: 1, maxBlocks: 64 },
    { type: 'block-response', blocks: blocks.reverse() },
    { type: 'block-response', blocks: [] },
  ];
});

function decodeError(bytes: Uint8Array): DecodeError {
  try {
    decodeMessage(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error('decoded');
}

describe('message codec', () => {
  it('round-trips every message type canonically, tagged by its first byte', () => {
    for (const message of samples) {
      const bytes = encodeMessage(message);
      expect(bytes[0]).toBe(MESSAGE_TAG[message.type]);
      expect(peekMessageType(bytes)).toBe(message.type);
      const decoded = decodeMessage(bytes);
      expect(decoded).toEqual(message);
      expect(encodeMessage(decoded)).toEqual(bytes);
    }
  });

  it('refuses truncated, trailing, unknown and oversized input with typed DecodeErrors', () => {
    for (const message of samples) {
      const bytes = encodeMessage(message);
      expect(decodeError(bytes.subarray(0, bytes.length - 1)).code).toBe('decode.truncated');
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(decodeError(longer).code).toBe('decode.trailing-bytes');
    }
    expect(decodeError(new Uint8Array([99])).code).toBe('decode.unknown-tag');
    expect(decodeError(new Uint8Array(0)).code).toBe('decode.truncated');
    expect(peekMessageType(new Uint8Array([99]))).toBeUndefined();

    const request = encodeMessage({
      type: 'block-request',
      hash: new Uint8Array(32),
      floorHeight: 0,
      maxBlocks: 1,
    });
    new DataView(request.buffer, request.byteOffset).setUint32(request.length - 4, MAX_RESPONSE_BLOCKS + 1);
    expect(decodeError(request).code).toBe('decode.limit');
    const response = encodeMessage({ type: 'block-response', blocks: [] });
    new DataView(response.buffer, response.byteOffset).setUint32(1, MAX_RESPONSE_BLOCKS + 1);
    expect(decodeError(response).code).toBe('decode.limit');

    const newView = encodeMessage(samples[3]!);
    newView[1 + 8 + 8 + 4] = 2; // the has-QC flag
    expect(decodeError(newView).code).toBe('decode.non-canonical');
    const vote = encodeMessage(samples[1]!);
    vote[1 + 24 + 32] = 5; // the phase
    expect(decodeError(vote).code).toBe('decode.unknown-tag');
    expect(() => decodeMessage(encodeMessage(samples[0]!), codecLimits({ maxMessageBytes: 100 }))).toThrow(
      DecodeError,
    );
  });
});
