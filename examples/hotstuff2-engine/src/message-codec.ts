import {
  type Block,
  ByteReader,
  ByteWriter,
  type CodecLimits,
  DEFAULT_CODEC_LIMITS,
  DecodeError,
  HASH_LENGTH,
  InvalidArgumentError,
  type QuorumCertificate,
  readBlock,
  readQc,
  SIGNATURE_LENGTH,
  type Vote,
  type VotePhase,
  writeBlock,
  writeQc,
} from '@hotsync/core';
import { type ConsensusMessage, MESSAGE_TAG, type MessageType } from './messages.js';

/*
 * Canonical binary encodings of the consensus messages, in core's style: a 1-byte type tag,
 * fixed-width big-endian fields, u32 counts, no trailing bytes, `encode(decode(x)) == x`.
 * Blocks and QCs are core's encodings. Decoding throws core's DecodeError, whose `code`
 * names the defect; byte fields are views into the input (no copies).
 */

/** Most blocks one block-response may carry (and a block-request may ask for). */
export const MAX_RESPONSE_BLOCKS = 256;

const TYPE_BY_TAG = new Map<number, MessageType>(
  Object.entries(MESSAGE_TAG).map(([type, tag]) => [tag, type as MessageType]),
);

const PHASE_CODE: Record<VotePhase, number> = { prepare: 0, commit: 1 };

function writeVote(w: ByteWriter, v: Vote): void {
  w.u64(v.epoch).u64(v.view).u64(v.height).fixed(v.blockHash, HASH_LENGTH).u8(PHASE_CODE[v.phase]);
}

function readVote(r: ByteReader): Vote {
  const epoch = r.u64('vote.epoch');
  const view = r.u64('vote.view');
  const height = r.u64('vote.height');
  const blockHash = r.fixed(HASH_LENGTH, 'vote.blockHash');
  const at = r.offset;
  const code = r.u8('vote.phase');
  if (code > 1) throw new DecodeError('decode.unknown-tag', `unknown vote phase ${code}`, at);
  return { epoch, view, height, blockHash, phase: code === 0 ? 'prepare' : 'commit' };
}

function readFlag(r: ByteReader, what: string): boolean {
  const at = r.offset;
  const flag = r.u8(what);
  if (flag > 1) throw new DecodeError('decode.non-canonical', `${what} flag ${flag}`, at);
  return flag === 1;
}

/** The type of an encoded message from its first byte (for transports that route or prioritize), or undefined. */
export function peekMessageType(bytes: Uint8Array): MessageType | undefined {
  return bytes.length === 0 ? undefined : TYPE_BY_TAG.get(bytes[0]!);
}

export function encodeMessage(message: ConsensusMessage): Uint8Array {
  const w = new ByteWriter(message.type === 'proposal' || message.type === 'block-response' ? 4096 : 512);
  w.u8(MESSAGE_TAG[message.type]);
  switch (message.type) {
    case 'proposal':
      writeBlock(w, message.block);
      w.fixed(message.signature, SIGNATURE_LENGTH);
      break;
    case 'vote':
      writeVote(w, message.vote);
      w.u32(message.voter).fixed(message.signature, SIGNATURE_LENGTH);
      break;
    case 'new-view':
      w.u64(message.epoch).u64(message.view).u32(message.sender);
      if (message.highQc) {
        w.u8(1);
        writeQc(w, message.highQc);
      } else {
        w.u8(0);
      }
      w.fixed(message.signature, SIGNATURE_LENGTH);
      break;
    case 'block-request':
      w.fixed(message.hash, HASH_LENGTH).u64(message.floorHeight).u32(message.maxBlocks);
      break;
    case 'block-response':
      w.u32(message.blocks.length);
      for (const block of message.blocks) writeBlock(w, block);
      break;
    default: {
      const unknown: never = message;
      throw new InvalidArgumentError('arg.invalid', `not a consensus message: ${JSON.stringify(unknown)}`);
    }
  }
  return w.finish();
}

/** Decodes one message; throws DecodeError (never anything else) on malformed or oversized input. */
export function decodeMessage(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): ConsensusMessage {
  if (bytes.length > limits.maxMessageBytes) {
    throw new DecodeError('decode.limit', `message of ${bytes.length} bytes > ${limits.maxMessageBytes}`);
  }
  const r = new ByteReader(bytes);
  const tag = r.u8('message.type');
  const type = TYPE_BY_TAG.get(tag);
  if (type === undefined) throw new DecodeError('decode.unknown-tag', `unknown message type ${tag}`, 0);
  let message: ConsensusMessage;
  switch (type) {
    case 'proposal': {
      const block = readBlock(r, limits);
      message = { type, block, signature: r.fixed(SIGNATURE_LENGTH, 'proposal.signature') };
      break;
    }
    case 'vote': {
      const vote = readVote(r);
      const voter = r.u32('vote.voter');
      message = { type, vote, voter, signature: r.fixed(SIGNATURE_LENGTH, 'vote.signature') };
      break;
    }
    case 'new-view': {
      const epoch = r.u64('newView.epoch');
      const view = r.u64('newView.view');
      const sender = r.u32('newView.sender');
      const highQc: QuorumCertificate | undefined = readFlag(r, 'newView.hasQc')
        ? readQc(r, limits)
        : undefined;
      message = {
        type,
        epoch,
        view,
        sender,
        highQc,
        signature: r.fixed(SIGNATURE_LENGTH, 'newView.signature'),
      };
      break;
    }
    case 'block-request': {
      const hash = r.fixed(HASH_LENGTH, 'request.hash');
      const floorHeight = r.u64('request.floorHeight');
      const at = r.offset;
      const maxBlocks = r.u32('request.maxBlocks');
      if (maxBlocks === 0 || maxBlocks > MAX_RESPONSE_BLOCKS) {
        throw new DecodeError(
          'decode.limit',
          `request for ${maxBlocks} blocks (1..${MAX_RESPONSE_BLOCKS})`,
          at,
        );
      }
      message = { type, hash, floorHeight, maxBlocks };
      break;
    }
    case 'block-response': {
      const at = r.offset;
      const count = r.u32('response.count');
      if (count > MAX_RESPONSE_BLOCKS) {
        throw new DecodeError('decode.limit', `${count} blocks > ${MAX_RESPONSE_BLOCKS}`, at);
      }
      const blocks: Block[] = [];
      for (let i = 0; i < count; i++) blocks.push(readBlock(r, limits));
      message = { type, blocks };
      break;
    }
  }
  r.end(`${type} message`);
  return message;
}
