import { ByteReader, ByteWriter, compareBytes, isZero } from '../encoding/bytes.js';
import { DecodeError } from '../errors.js';
import { HASH_LENGTH, HashTag, taggedHash } from '../hashing.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from './limits.js';
import {
  type Block,
  type BlockHeader,
  CHAIN_ID_LENGTH,
  type CommitProof,
  type Hash,
  HEADER_VERSION,
  PUBLIC_KEY_LENGTH,
  type QuorumCertificate,
  SIGNATURE_LENGTH,
  type SnapshotChunk,
  type SnapshotManifest,
  type TrustAnchor,
  type Validator,
  type ValidatorSet,
  type Vote,
  type VotePhase,
} from './types.js';
import { bitmapLength, popcount } from './validator-set.js';

/*
 * Canonical binary encodings (DESIGN §2): fixed-width big-endian fields, u32 length
 * prefixes, no trailing bytes, encode(decode(x)) == x. Decoders check every limit before
 * allocating and throw DecodeError whose `code` names the defect. Byte fields of decoded
 * values are views into the input buffer (no copies).
 */

/** Encoded size of a header: version u16, chainId, epoch/height/view u64, five hashes, proposer u32, timestamp u64. */
export const HEADER_LENGTH = 2 + CHAIN_ID_LENGTH + 3 * 8 + 5 * HASH_LENGTH + 4 + 8;
/** Offset of the height field inside an encoded header (and so inside an encoded block). */
export const HEADER_HEIGHT_OFFSET = 2 + CHAIN_ID_LENGTH + 8;
const VOTE_LENGTH = 3 * 8 + HASH_LENGTH + 1;

const PHASE_CODE: Record<VotePhase, number> = { prepare: 0, commit: 1 };

function phaseFromCode(code: number, at: number): VotePhase {
  switch (code) {
    case 0:
      return 'prepare';
    case 1:
      return 'commit';
    default:
      throw new DecodeError('decode.unknown-tag', `unknown vote phase ${code}`, at);
  }
}

// ---- header ---------------------------------------------------------------------------

export function writeHeader(w: ByteWriter, h: BlockHeader): void {
  w.u16(h.version)
    .fixed(h.chainId, CHAIN_ID_LENGTH)
    .u64(h.epoch)
    .u64(h.height)
    .u64(h.view)
    .fixed(h.parentHash, HASH_LENGTH)
    .fixed(h.justifyHash, HASH_LENGTH)
    .fixed(h.payloadHash, HASH_LENGTH)
    .fixed(h.stateRoot, HASH_LENGTH)
    .fixed(h.nextValidatorSetHash, HASH_LENGTH)
    .u32(h.proposer)
    .u64(h.timestampMs);
}

export function readHeader(r: ByteReader, limits: CodecLimits): BlockHeader {
  const at = r.offset;
  const version = r.u16('header.version');
  if (version !== HEADER_VERSION) {
    throw new DecodeError(
      'decode.unsupported-version',
      `header version ${version} (supported: ${HEADER_VERSION})`,
      at,
    );
  }
  const chainId = r.fixed(CHAIN_ID_LENGTH, 'header.chainId');
  const epoch = r.u64('header.epoch');
  const height = r.u64('header.height');
  const view = r.u64('header.view');
  const parentHash = r.fixed(HASH_LENGTH, 'header.parentHash');
  const justifyHash = r.fixed(HASH_LENGTH, 'header.justifyHash');
  const payloadHash = r.fixed(HASH_LENGTH, 'header.payloadHash');
  const stateRoot = r.fixed(HASH_LENGTH, 'header.stateRoot');
  const nextValidatorSetHash = r.fixed(HASH_LENGTH, 'header.nextValidatorSetHash');
  const proposerAt = r.offset;
  const proposer = r.u32('header.proposer');
  if (proposer >= limits.maxValidators) {
    throw new DecodeError(
      'decode.limit',
      `proposer index ${proposer} >= maxValidators ${limits.maxValidators}`,
      proposerAt,
    );
  }
  const timestampMs = r.u64('header.timestampMs');
  return {
    version,
    chainId,
    epoch,
    height,
    view,
    parentHash,
    justifyHash,
    payloadHash,
    stateRoot,
    nextValidatorSetHash,
    proposer,
    timestampMs,
  };
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new ByteWriter(HEADER_LENGTH);
  writeHeader(w, h);
  return w.finish();
}

export function decodeHeader(bytes: Uint8Array, limits: CodecLimits = DEFAULT_CODEC_LIMITS): BlockHeader {
  const r = new ByteReader(bytes);
  const h = readHeader(r, limits);
  r.end('header');
  return h;
}

/** Block hash: `H("hs2/header/v1", header)`. */
export function headerHash(h: BlockHeader): Hash {
  return taggedHash(HashTag.header, encodeHeader(h));
}

// ---- vote and quorum certificate ---------------------------------------------------

function writeVote(w: ByteWriter, v: Vote): void {
  w.u64(v.epoch).u64(v.view).u64(v.height).fixed(v.blockHash, HASH_LENGTH).u8(PHASE_CODE[v.phase]);
}

function readVote(r: ByteReader): Vote {
  const epoch = r.u64('vote.epoch');
  const view = r.u64('vote.view');
  const height = r.u64('vote.height');
  const blockHash = r.fixed(HASH_LENGTH, 'vote.blockHash');
  const at = r.offset;
  const phase = phaseFromCode(r.u8('vote.phase'), at);
  return { epoch, view, height, blockHash, phase };
}

export function qcEncodedLength(qc: QuorumCertificate): number {
  return VOTE_LENGTH + 4 + qc.signers.length + 4 + qc.signatures.length * SIGNATURE_LENGTH;
}

export function writeQc(w: ByteWriter, qc: QuorumCertificate): void {
  writeVote(w, qc.vote);
  w.u32(qc.validatorCount).fixed(qc.signers, bitmapLength(qc.validatorCount)).u32(qc.signatures.length);
  for (const s of qc.signatures) w.fixed(s, SIGNATURE_LENGTH);
}

export function readQc(r: ByteReader, limits: CodecLimits): QuorumCertificate {
  const vote = readVote(r);
  const nAt = r.offset;
  const validatorCount = r.u32('qc.validatorCount');
  if (validatorCount > limits.maxValidators) {
    throw new DecodeError(
      'decode.limit',
      `qc validator count ${validatorCount} > ${limits.maxValidators}`,
      nAt,
    );
  }
  const bitmapAt = r.offset;
  const signers = r.fixed(bitmapLength(validatorCount), 'qc.signers');
  const spareBits = signers.length * 8 - validatorCount;
  if (spareBits > 0) {
    const last = signers[signers.length - 1]!;
    if (last >>> (8 - spareBits) !== 0) {
      throw new DecodeError(
        'decode.bitmap-bits-beyond-n',
        `signer bitmap has bits at or beyond n=${validatorCount}`,
        bitmapAt,
      );
    }
  }
  const countAt = r.offset;
  const count = r.u32('qc.signatureCount');
  const expected = popcount(signers);
  if (count !== expected) {
    throw new DecodeError(
      'decode.bitmap-popcount',
      `${count} signatures for ${expected} signer bits`,
      countAt,
    );
  }
  const signatures: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) signatures[i] = r.fixed(SIGNATURE_LENGTH, 'qc.signature');
  return { vote, validatorCount, signers, signatures };
}

export function encodeQc(qc: QuorumCertificate): Uint8Array {
  const w = new ByteWriter(qcEncodedLength(qc));
  writeQc(w, qc);
  return w.finish();
}

export function decodeQc(bytes: Uint8Array, limits: CodecLimits = DEFAULT_CODEC_LIMITS): QuorumCertificate {
  const r = new ByteReader(bytes);
  const qc = readQc(r, limits);
  r.end('quorum certificate');
  return qc;
}

/** `H("hs2/qc/v1", qc)`: what a header's `justifyHash` commits to. */
export function qcHash(qc: QuorumCertificate): Hash {
  return taggedHash(HashTag.qc, encodeQc(qc));
}

// ---- validator set ---------------------------------------------------------------

export function validatorSetEncodedLength(set: ValidatorSet): number {
  return 8 + 4 + set.validators.length * (PUBLIC_KEY_LENGTH + 8);
}

export function writeValidatorSet(w: ByteWriter, set: ValidatorSet): void {
  w.u64(set.epoch).u32(set.validators.length);
  for (const v of set.validators) w.fixed(v.publicKey, PUBLIC_KEY_LENGTH).u64n(v.votingPower);
}

export function readValidatorSet(r: ByteReader, limits: CodecLimits): ValidatorSet {
  const epoch = r.u64('validatorSet.epoch');
  const countAt = r.offset;
  const count = r.u32('validatorSet.count');
  if (count === 0 || count > limits.maxValidators) {
    throw new DecodeError(
      'decode.limit',
      `validator count ${count} not in 1..${limits.maxValidators}`,
      countAt,
    );
  }
  const validators: Validator[] = new Array(count);
  let previous: Uint8Array | undefined;
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const publicKey = r.fixed(PUBLIC_KEY_LENGTH, 'validator.publicKey');
    if (previous && compareBytes(previous, publicKey) >= 0) {
      throw new DecodeError(
        'decode.validator-order',
        'validators not in strictly ascending public-key order',
        at,
      );
    }
    const powerAt = r.offset;
    const votingPower = r.u64n('validator.votingPower');
    if (votingPower === 0n)
      throw new DecodeError('decode.zero-voting-power', 'validator with zero voting power', powerAt);
    validators[i] = { publicKey, votingPower };
    previous = publicKey;
  }
  return { epoch, validators };
}

export function encodeValidatorSet(set: ValidatorSet): Uint8Array {
  const w = new ByteWriter(validatorSetEncodedLength(set));
  writeValidatorSet(w, set);
  return w.finish();
}

export function decodeValidatorSet(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): ValidatorSet {
  const r = new ByteReader(bytes);
  const set = readValidatorSet(r, limits);
  r.end('validator set');
  return set;
}

export function validatorSetHash(set: ValidatorSet): Hash {
  return taggedHash(HashTag.validatorSet, encodeValidatorSet(set));
}

// ---- block ----------------------------------------------------------------------

export function blockEncodedLength(b: Block): number {
  let n = HEADER_LENGTH + qcEncodedLength(b.justify) + 4;
  for (const tx of b.payload) n += 4 + tx.length;
  n += 1;
  if (b.nextValidatorSet) n += validatorSetEncodedLength(b.nextValidatorSet);
  return n;
}

export function writeBlock(w: ByteWriter, b: Block): void {
  writeHeader(w, b.header);
  writeQc(w, b.justify);
  w.u32(b.payload.length);
  for (const tx of b.payload) w.bytes(tx);
  if (b.nextValidatorSet) {
    w.u8(1);
    writeValidatorSet(w, b.nextValidatorSet);
  } else {
    w.u8(0);
  }
}

export function encodeBlock(b: Block): Uint8Array {
  const w = new ByteWriter(blockEncodedLength(b));
  writeBlock(w, b);
  return w.finish();
}

export function readBlock(r: ByteReader, limits: CodecLimits): Block {
  const header = readHeader(r, limits);
  const justify = readQc(r, limits);
  const countAt = r.offset;
  const count = r.u32('payload.count');
  if (count > limits.maxTransactions) {
    throw new DecodeError('decode.limit', `${count} transactions > ${limits.maxTransactions}`, countAt);
  }
  const payload: Uint8Array[] = new Array(count);
  let payloadBytes = 0;
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const tx = r.bytes(limits.maxTransactionBytes, 'transaction');
    payloadBytes += tx.length;
    if (payloadBytes > limits.maxPayloadBytes) {
      throw new DecodeError('decode.limit', `payload exceeds ${limits.maxPayloadBytes} bytes`, at);
    }
    payload[i] = tx;
  }
  const flagAt = r.offset;
  const hasNextSet = r.u8('block.hasNextValidatorSet');
  if (hasNextSet > 1)
    throw new DecodeError('decode.non-canonical', `next-validator-set flag ${hasNextSet}`, flagAt);
  if ((hasNextSet === 1) === isZero(header.nextValidatorSetHash)) {
    throw new DecodeError(
      'decode.next-validator-set',
      'a next validator set must be present exactly when the header commits to one',
      flagAt,
    );
  }
  if (hasNextSet === 1) return { header, justify, payload, nextValidatorSet: readValidatorSet(r, limits) };
  return { header, justify, payload };
}

export function decodeBlock(bytes: Uint8Array, limits: CodecLimits = DEFAULT_CODEC_LIMITS): Block {
  if (bytes.length > limits.maxMessageBytes) {
    throw new DecodeError('decode.limit', `block of ${bytes.length} bytes > ${limits.maxMessageBytes}`);
  }
  const r = new ByteReader(bytes);
  const b = readBlock(r, limits);
  r.end('block');
  return b;
}

export function blockHash(b: Block): Hash {
  return headerHash(b.header);
}

/** Height of an encoded block without decoding it (for serving and indexing raw bytes). */
export function peekBlockHeight(encodedBlock: Uint8Array): number {
  const r = new ByteReader(encodedBlock.subarray(HEADER_HEIGHT_OFFSET, HEADER_HEIGHT_OFFSET + 8));
  return r.u64('header.height');
}

/** Hash of an encoded block, read from its header bytes without decoding the rest. */
export function hashOfEncodedBlock(encodedBlock: Uint8Array): Hash {
  if (encodedBlock.length < HEADER_LENGTH)
    throw new DecodeError('decode.truncated', 'block shorter than a header');
  return taggedHash(HashTag.header, encodedBlock.subarray(0, HEADER_LENGTH));
}

// ---- commit proof ---------------------------------------------------------------

const COMMIT_PROOF_TAG = { 'two-chain': 0, 'double-cert': 1 } as const;

export function writeCommitProof(w: ByteWriter, p: CommitProof): void {
  w.u8(COMMIT_PROOF_TAG[p.kind]);
  writeHeader(w, p.header);
  writeQc(w, p.qc);
  switch (p.kind) {
    case 'two-chain':
      writeHeader(w, p.child);
      writeQc(w, p.childQc);
      return;
    case 'double-cert':
      writeQc(w, p.commitQc);
      return;
  }
}

export function readCommitProof(r: ByteReader, limits: CodecLimits): CommitProof {
  const at = r.offset;
  const tag = r.u8('commitProof.kind');
  switch (tag) {
    case 0: {
      const header = readHeader(r, limits);
      const qc = readQc(r, limits);
      const child = readHeader(r, limits);
      const childQc = readQc(r, limits);
      return { kind: 'two-chain', header, qc, child, childQc };
    }
    case 1: {
      const header = readHeader(r, limits);
      const qc = readQc(r, limits);
      const commitQc = readQc(r, limits);
      return { kind: 'double-cert', header, qc, commitQc };
    }
    default:
      throw new DecodeError('decode.unknown-tag', `unknown commit proof kind ${tag}`, at);
  }
}

export function encodeCommitProof(p: CommitProof): Uint8Array {
  const w = new ByteWriter(1024);
  writeCommitProof(w, p);
  return w.finish();
}

export function decodeCommitProof(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): CommitProof {
  if (bytes.length > limits.maxMessageBytes) {
    throw new DecodeError(
      'decode.limit',
      `commit proof of ${bytes.length} bytes > ${limits.maxMessageBytes}`,
    );
  }
  const r = new ByteReader(bytes);
  const p = readCommitProof(r, limits);
  r.end('commit proof');
  return p;
}

// ---- trust anchor ---------------------------------------------------------------

export function encodeTrustAnchor(a: TrustAnchor): Uint8Array {
  const w = new ByteWriter(CHAIN_ID_LENGTH + 8 + HASH_LENGTH + validatorSetEncodedLength(a.validatorSet));
  w.fixed(a.chainId, CHAIN_ID_LENGTH).u64(a.height).fixed(a.blockHash, HASH_LENGTH);
  writeValidatorSet(w, a.validatorSet);
  return w.finish();
}

export function decodeTrustAnchor(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): TrustAnchor {
  const r = new ByteReader(bytes);
  const chainId = r.fixed(CHAIN_ID_LENGTH, 'anchor.chainId');
  const height = r.u64('anchor.height');
  const blockHash = r.fixed(HASH_LENGTH, 'anchor.blockHash');
  const validatorSet = readValidatorSet(r, limits);
  r.end('trust anchor');
  return { chainId, height, blockHash, validatorSet };
}

// ---- snapshot manifest and chunk ---------------------------------------------------

export const MANIFEST_LENGTH = 8 + 2 * HASH_LENGTH + 2 + 4 + 8;

export function encodeSnapshotManifest(m: SnapshotManifest): Uint8Array {
  const w = new ByteWriter(MANIFEST_LENGTH);
  w.u64(m.height)
    .fixed(m.blockHash, HASH_LENGTH)
    .fixed(m.stateRoot, HASH_LENGTH)
    .u16(m.format)
    .u32(m.chunkCount)
    .u64(m.totalBytes);
  return w.finish();
}

export function decodeSnapshotManifest(bytes: Uint8Array): SnapshotManifest {
  const r = new ByteReader(bytes);
  const height = r.u64('manifest.height');
  const blockHash = r.fixed(HASH_LENGTH, 'manifest.blockHash');
  const stateRoot = r.fixed(HASH_LENGTH, 'manifest.stateRoot');
  const format = r.u16('manifest.format');
  const chunkCount = r.u32('manifest.chunkCount');
  const totalBytes = r.u64('manifest.totalBytes');
  r.end('snapshot manifest');
  return { height, blockHash, stateRoot, format, chunkCount, totalBytes };
}

export function encodeSnapshotChunk(c: SnapshotChunk): Uint8Array {
  const w = new ByteWriter(HASH_LENGTH + 8 + c.data.length);
  w.fixed(c.stateRoot, HASH_LENGTH).u32(c.index).bytes(c.data);
  return w.finish();
}

export function decodeSnapshotChunk(
  bytes: Uint8Array,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): SnapshotChunk {
  const r = new ByteReader(bytes);
  const stateRoot = r.fixed(HASH_LENGTH, 'chunk.stateRoot');
  const index = r.u32('chunk.index');
  const data = r.bytes(limits.maxMessageBytes, 'chunk.data');
  r.end('snapshot chunk');
  return { stateRoot, index, data };
}
