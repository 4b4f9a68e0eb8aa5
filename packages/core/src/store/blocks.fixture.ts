import { decodeBlock, encodeBlock, headerHash, qcHash, validatorSetHash } from '../chain/codec.js';
import { transactionsRoot } from '../chain/transactions-root.js';
import type {
  Block,
  BlockHeader,
  CommitProof,
  QuorumCertificate,
  ValidatorSet,
  Vote,
} from '../chain/types.js';
import { makeValidatorSet } from '../chain/validator-set.js';
import { sha256, taggedHash, ZERO_HASH } from '../hashing.js';
import type { BlockBatch, Checkpoint, StoredBlock } from '../interfaces/chain-store.js';
import type { TrustedPoint } from '../interfaces/verifier.js';

/*
 * Deterministic, well-formed blocks for the chain store's tests, crash writer and
 * measurement script: canonical encodings, real hashes and hash links, QCs of the right
 * shape (their signatures are filler: the store never verifies them). Not a chain
 * generator: no signing, no state machine. The same arguments give the same bytes.
 */

const VALIDATORS = 4;
const chainId = sha256(new TextEncoder().encode('hotsync/store-fixture'));
const text = (s: string) => new TextEncoder().encode(s);

export interface FixtureBlock {
  readonly block: Block;
  readonly stored: StoredBlock;
  /** The block as a verified tip. */
  readonly tip: TrustedPoint;
  /** A QC certifying this block (its child's justify). */
  readonly qc: QuorumCertificate;
}

export interface FixtureOptions {
  /** Approximate payload size per block (default 1024). */
  readonly payloadBytes?: number;
  /** Blocks per epoch; the block at each multiple ends the epoch and carries the next set (default: one epoch). */
  readonly epochLength?: number;
  /** Changes the payload: blocks with another salt at the same height are a fork. */
  readonly salt?: string;
}

/** The chain the crash writer writes and the crash test expects: ~1 KiB blocks, epochs of 64. */
export const CRASH_CHAIN_OPTIONS: FixtureOptions = { payloadBytes: 1024, epochLength: 64 };

export function fixtureValidatorSet(epoch: number): ValidatorSet {
  return makeValidatorSet(
    epoch,
    Array.from({ length: VALIDATORS }, (_, i) => ({
      publicKey: sha256(text(`validator/${epoch}/${i}`)),
      votingPower: BigInt(i + 1),
    })),
  );
}

function fixtureQc(vote: Vote): QuorumCertificate {
  const seed = taggedHash('hotsync/fixture-signature', vote.blockHash, text(vote.phase));
  const signatures = Array.from({ length: VALIDATORS }, (_, i) => {
    const sig = new Uint8Array(64);
    sig.set(seed, 0);
    sig.set(sha256(sig.subarray(0, 32)), 32);
    sig[0] = i;
    return sig;
  });
  return { vote, validatorCount: VALIDATORS, signers: new Uint8Array([0b1111]), signatures };
}

function certify(header: BlockHeader, hash: Uint8Array, phase: Vote['phase'] = 'prepare'): QuorumCertificate {
  return fixtureQc({ epoch: header.epoch, view: header.view, height: header.height, blockHash: hash, phase });
}

function payloadFor(height: number, bytes: number, salt: string): Uint8Array[] {
  const txs: Uint8Array[] = [];
  const txSize = 128;
  for (let i = 0; i * txSize < bytes; i++) {
    const tx = new Uint8Array(Math.min(txSize, bytes - i * txSize));
    const seed = sha256(text(`${salt}/${height}/${i}`));
    for (let j = 0; j < tx.length; j += 32) tx.set(seed.subarray(0, Math.min(32, tx.length - j)), j);
    txs.push(tx);
  }
  return txs;
}

function assemble(block: Block): FixtureBlock {
  const hash = headerHash(block.header);
  const { header } = block;
  return {
    block,
    stored: { height: header.height, hash, bytes: encodeBlock(block) },
    tip: {
      height: header.height,
      hash,
      view: header.view,
      epoch: header.epoch,
      timestampMs: header.timestampMs,
      stateRoot: header.stateRoot,
      validatorSet: block.nextValidatorSet ?? fixtureValidatorSet(header.epoch),
    },
    qc: certify(header, hash),
  };
}

export function fixtureGenesis(): FixtureBlock {
  const payload: Uint8Array[] = [];
  const justify: QuorumCertificate = {
    vote: { epoch: 0, view: 0, height: 0, blockHash: ZERO_HASH, phase: 'prepare' },
    validatorCount: VALIDATORS,
    signers: new Uint8Array(1),
    signatures: [],
  };
  return assemble({
    header: {
      version: 1,
      chainId,
      epoch: 0,
      height: 0,
      view: 0,
      parentHash: ZERO_HASH,
      justifyHash: qcHash(justify),
      payloadHash: transactionsRoot(payload),
      stateRoot: taggedHash('hotsync/fixture-state', text('0')),
      nextValidatorSetHash: ZERO_HASH,
      proposer: 0,
      timestampMs: 1_700_000_000_000,
    },
    justify,
    payload,
  });
}

export function fixtureChild(parent: FixtureBlock, options: FixtureOptions = {}): FixtureBlock {
  const salt = options.salt ?? 'main';
  const height = parent.block.header.height + 1;
  const epochLength = options.epochLength ?? 0;
  const epoch = epochLength > 0 ? Math.floor((height - 1) / epochLength) : 0;
  const nextSet = epochLength > 0 && height % epochLength === 0 ? fixtureValidatorSet(epoch + 1) : undefined;
  const view = parent.block.header.view + 1;
  const payload = payloadFor(height, options.payloadBytes ?? 1024, salt);
  const header: BlockHeader = {
    version: 1,
    chainId,
    epoch,
    height,
    view,
    parentHash: parent.stored.hash,
    justifyHash: qcHash(parent.qc),
    payloadHash: transactionsRoot(payload),
    stateRoot: taggedHash('hotsync/fixture-state', text(`${salt}/${height}`)),
    nextValidatorSetHash: nextSet ? validatorSetHash(nextSet) : ZERO_HASH,
    proposer: view % VALIDATORS,
    timestampMs: parent.block.header.timestampMs + 1_000,
  };
  return assemble(
    nextSet
      ? { header, justify: parent.qc, payload, nextValidatorSet: nextSet }
      : { header, justify: parent.qc, payload },
  );
}

/** A fixture block back from its stored encoding (to continue a chain a store already holds). */
export function fixtureFromBytes(bytes: Uint8Array): FixtureBlock {
  return assemble(decodeBlock(bytes));
}

/** `count` blocks after `parent`. */
export function fixtureBlocks(
  parent: FixtureBlock,
  count: number,
  options: FixtureOptions = {},
): FixtureBlock[] {
  const out: FixtureBlock[] = [];
  let previous = parent;
  for (let i = 0; i < count; i++) {
    previous = fixtureChild(previous, options);
    out.push(previous);
  }
  return out;
}

/** Genesis and `count` blocks after it: index i holds height i. */
export function fixtureChain(count: number, options: FixtureOptions = {}): FixtureBlock[] {
  const genesis = fixtureGenesis();
  return [genesis, ...fixtureBlocks(genesis, count, options)];
}

/** A double-certificate commit proof for `b` (shape only: the signatures are filler). */
export function fixtureCommitProof(b: FixtureBlock): CommitProof {
  const { header } = b.block;
  return { kind: 'double-cert', header, qc: b.qc, commitQc: certify(header, b.stored.hash, 'commit') };
}

export function fixtureCheckpoint(b: FixtureBlock, targetHeight: number): Checkpoint {
  return {
    height: b.stored.height,
    hash: b.stored.hash,
    atMs: b.block.header.timestampMs,
    targetHeight,
    strategy: 'fixture',
  };
}

/** The batch a sync would write for `blocks`: tip, commit proof, learned sets and checkpoint. */
export function fixtureBatch(blocks: readonly FixtureBlock[], targetHeight = 0): BlockBatch {
  const last = blocks[blocks.length - 1]!;
  const validatorSets = blocks.flatMap((b) => (b.block.nextValidatorSet ? [b.block.nextValidatorSet] : []));
  return {
    blocks: blocks.map((b) => b.stored),
    tip: last.tip,
    commitProof: fixtureCommitProof(last),
    validatorSets,
    checkpoint: fixtureCheckpoint(last, Math.max(targetHeight, last.stored.height)),
  };
}
