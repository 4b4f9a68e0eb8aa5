import { blockHash, encodeBlock, qcHash, validatorSetHash } from '../chain/codec.js';
import { type SigningKey, signQc } from '../chain/signing.js';
import { transactionsRoot } from '../chain/transactions-root.js';
import type {
  Block,
  BlockHeader,
  CommitProof,
  Hash,
  QuorumCertificate,
  TrustAnchor,
  ValidatorSet,
  Vote,
} from '../chain/types.js';
import { quorumThreshold } from '../chain/validator-set.js';
import { ByteWriter } from '../encoding/bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { taggedHash, ZERO_HASH } from '../hashing.js';
import type { BlockBatch, ChainStore, StoredBlock, StoredSnapshot } from '../interfaces/chain-store.js';
import type { StateMachine } from '../interfaces/state-machine.js';
import type { TrustedPoint } from '../interfaces/verifier.js';
import { SeededRandom, shuffleInPlace } from '../random.js';
import { PayloadGenerator } from './payload-generator.js';
import { ValidatorSchedule } from './validator-schedule.js';

export interface ChainGeneratorOptions {
  /** Everything is derived from it: the same seed and options give the same chain, byte for byte. */
  readonly seed: number;
  /** Height of the last block (genesis is height 0). */
  readonly blocks: number;
  /** Validators per epoch (default 4). */
  readonly validators?: number;
  /** Voting power: `unequal` (default) gives each validator 1..100, `equal` gives 1 each. */
  readonly votingPower?: 'equal' | 'unequal';
  /** Blocks per epoch; 0 (default) keeps one epoch. Block e·L ends epoch e-1 and carries the next set. */
  readonly epochLength?: number;
  /** Validators replaced at each epoch change (default 1). */
  readonly rotatePerEpoch?: number;
  /** Transactions per block (default 8; with the default value size that is about 1 KiB). */
  readonly transactionsPerBlock?: number;
  /** Bytes per `put` value (default 100). */
  readonly valueBytes?: number;
  /** Distinct keys the payload writes (default 5000). */
  readonly keySpace?: number;
  /** Share of blocks preceded by a timeout, so their view skips ahead (default 0.02). */
  readonly viewGapRate?: number;
  /** Share of QCs signed by just enough validators for quorum; the rest carry extra signers (default 0.5). */
  readonly minimalQuorumRate?: number;
  /** Heights at which a certified-but-uncommitted sibling block is also produced. */
  readonly forkHeights?: readonly number[];
  /** Heights at which a state snapshot is exported into the store (for serving). */
  readonly snapshotHeights?: readonly number[];
  readonly snapshotChunkBytes?: number;
  /** Blocks per store batch; each batch ends with a stored commit proof (default 256). */
  readonly batchSize?: number;
  readonly genesisTimeMs?: number;
  readonly blockIntervalMs?: number;
  readonly chainId?: Uint8Array;
  /** Where the chain is written (must be empty). */
  readonly store: ChainStore;
  /** Computes the state roots (must be empty); ends at the tip's state. */
  readonly stateMachine: StateMachine;
  readonly onProgress?: (height: number) => void;
}

/** A certified block that no commit proof can ever cover. */
export interface ForkBlock {
  readonly block: Block;
  readonly qc: QuorumCertificate;
}

export interface GeneratedChain {
  readonly chainId: Uint8Array;
  readonly anchor: TrustAnchor;
  readonly genesis: Block;
  readonly tip: TrustedPoint;
  /** Commit proof of the tip (built from an extra, unstored child block). */
  readonly tipCommitProof: CommitProof;
  /** Validator set of each epoch, index = epoch. */
  readonly validatorSets: readonly ValidatorSet[];
  /** Signing keys of each epoch in canonical order (to build more blocks or forge some). */
  keys(epoch: number): SigningKey[];
  readonly forks: readonly ForkBlock[];
  readonly snapshots: readonly StoredSnapshot[];
  /** Heights with a stored commit proof. */
  readonly proofHeights: readonly number[];
  readonly stats: { readonly blocks: number; readonly milliseconds: number; readonly blocksPerSec: number };
}

interface Built {
  readonly block: Block;
  readonly hash: Hash;
  readonly bytes: Uint8Array;
  readonly qc: QuorumCertificate;
}

/** Chain id of a generated chain with this seed (unless one is given). */
export function generatedChainId(seed: number): Uint8Array {
  return taggedHash('hs2/test-chain/v1', new ByteWriter(8).u64(seed).finish());
}

function emptyQc(validatorCount: number): QuorumCertificate {
  return {
    vote: { epoch: 0, view: 0, height: 0, blockHash: ZERO_HASH, phase: 'prepare' },
    validatorCount,
    signers: new Uint8Array((validatorCount + 7) >> 3),
    signatures: [],
  };
}

/**
 * Generates a valid HotStuff-2 chain (DESIGN §2) deterministically from a seed and writes
 * it into `store`: validator sets with unequal power, epochs whose last block commits to
 * the next set, payloads of key-value transactions executed by `stateMachine` for real
 * state roots, QCs signed by a quorum (sometimes just enough, sometimes more), commit
 * proofs, occasional view gaps, optional certified-but-uncommitted forks and snapshots.
 */
export async function generateChain(options: ChainGeneratorOptions): Promise<GeneratedChain> {
  const started = performance.now();
  const n = options.validators ?? 4;
  const epochLength = options.epochLength ?? 0;
  const batchSize = options.batchSize ?? 256;
  const interval = options.blockIntervalMs ?? 1_000;
  const viewGapRate = options.viewGapRate ?? 0.02;
  const minimalRate = options.minimalQuorumRate ?? 0.5;
  if (!Number.isSafeInteger(options.blocks) || options.blocks < 1) {
    throw new InvalidArgumentError('arg.out-of-range', 'blocks must be a positive integer');
  }
  if (epochLength !== 0 && epochLength < 2)
    throw new InvalidArgumentError('arg.out-of-range', 'epochLength must be 0 or >= 2');
  const { store, stateMachine } = options;
  if (store.tip() !== undefined || stateMachine.height() !== 0) {
    throw new InvalidArgumentError('arg.invalid', 'the generator needs an empty store and state machine');
  }

  const random = new SeededRandom(options.seed);
  const schedule = new ValidatorSchedule(
    options.seed,
    n,
    options.rotatePerEpoch ?? 1,
    options.votingPower ?? 'unequal',
  );
  const payloads = new PayloadGenerator(random.fork(), {
    transactionsPerBlock: options.transactionsPerBlock ?? 8,
    valueBytes: options.valueBytes ?? 100,
    keySpace: options.keySpace ?? 5_000,
  });
  const chainId = options.chainId ?? generatedChainId(options.seed);
  const forkHeights = new Set(options.forkHeights ?? []);
  const snapshotHeights = new Set(options.snapshotHeights ?? []);
  const epochOf = (height: number) =>
    height === 0 || epochLength === 0 ? 0 : Math.floor((height - 1) / epochLength);
  const endsEpoch = (height: number) => epochLength > 0 && height > 0 && height % epochLength === 0;

  const certify = (header: BlockHeader, hash: Hash, phase: Vote['phase'] = 'prepare'): QuorumCertificate => {
    const vote: Vote = {
      epoch: header.epoch,
      view: header.view,
      height: header.height,
      blockHash: hash,
      phase,
    };
    const set = schedule.set(header.epoch);
    const keys = schedule.keys(header.epoch);
    const order = shuffleInPlace(
      keys.map((_, i) => i),
      random,
    );
    const threshold = quorumThreshold(set);
    const chosen: number[] = [];
    let power = 0n;
    for (const i of order) {
      if (power >= threshold) break;
      chosen.push(i);
      power += set.validators[i]!.votingPower;
    }
    if (random.float() >= minimalRate) {
      const extra = random.int(0, order.length - chosen.length);
      chosen.push(...order.slice(chosen.length, chosen.length + extra));
    }
    return signQc(
      vote,
      set,
      chosen.map((i) => keys[i]!),
      chainId,
    );
  };

  const build = (
    parent: Built,
    height: number,
    view: number,
    timestampMs: number,
    payload: Uint8Array[],
    stateRoot: Hash,
  ): Built => {
    const epoch = epochOf(height);
    const nextSet = endsEpoch(height) ? schedule.set(epoch + 1) : undefined;
    const header: BlockHeader = {
      version: 1,
      chainId,
      epoch,
      height,
      view,
      parentHash: parent.hash,
      justifyHash: qcHash(parent.qc),
      payloadHash: transactionsRoot(payload),
      stateRoot,
      nextValidatorSetHash: nextSet ? validatorSetHash(nextSet) : ZERO_HASH,
      proposer: view % n,
      timestampMs,
    };
    const block: Block = nextSet
      ? { header, justify: parent.qc, payload, nextValidatorSet: nextSet }
      : { header, justify: parent.qc, payload };
    const hash = blockHash(block);
    return { block, hash, bytes: encodeBlock(block), qc: certify(header, hash) };
  };

  // Genesis: the anchor. Its own justify is empty; its child carries a real QC for it.
  const genesisHeader: BlockHeader = {
    version: 1,
    chainId,
    epoch: 0,
    height: 0,
    view: 0,
    parentHash: ZERO_HASH,
    justifyHash: qcHash(emptyQc(n)),
    payloadHash: transactionsRoot([]),
    stateRoot: stateMachine.root(),
    nextValidatorSetHash: ZERO_HASH,
    proposer: 0,
    timestampMs: options.genesisTimeMs ?? 1_700_000_000_000,
  };
  const genesisBlock: Block = { header: genesisHeader, justify: emptyQc(n), payload: [] };
  const genesisHash = blockHash(genesisBlock);
  const genesis: Built = {
    block: genesisBlock,
    hash: genesisHash,
    bytes: encodeBlock(genesisBlock),
    qc: certify(genesisHeader, genesisHash),
  };
  const trustedAfter = (b: Built): TrustedPoint => ({
    height: b.block.header.height,
    hash: b.hash,
    view: b.block.header.view,
    epoch: b.block.header.epoch,
    timestampMs: b.block.header.timestampMs,
    stateRoot: b.block.header.stateRoot,
    validatorSet: b.block.nextValidatorSet ?? schedule.set(b.block.header.epoch),
  });
  await store.initialize(trustedAfter(genesis), { height: 0, hash: genesis.hash, bytes: genesis.bytes });

  const forks: ForkBlock[] = [];
  const snapshots: StoredSnapshot[] = [];
  const proofHeights: number[] = [];
  let batch: Built[] = [];
  let batchSets: ValidatorSet[] = [schedule.set(0)];
  let previous = genesis;

  /** The proof that `b` is committed: two-chain through `child` when views are consecutive, else a double certificate. */
  const proofFor = (b: Built, child: Built | undefined): CommitProof =>
    child && child.block.header.view === b.block.header.view + 1
      ? { kind: 'two-chain', header: b.block.header, qc: b.qc, child: child.block.header, childQc: child.qc }
      : {
          kind: 'double-cert',
          header: b.block.header,
          qc: b.qc,
          commitQc: certify(b.block.header, b.hash, 'commit'),
        };

  const flush = async (child: Built | undefined): Promise<void> => {
    const last = batch[batch.length - 1]!;
    const stored: StoredBlock[] = batch.map((b) => ({
      height: b.block.header.height,
      hash: b.hash,
      bytes: b.bytes,
    }));
    const write: BlockBatch = {
      blocks: stored,
      tip: trustedAfter(last),
      // Epoch-ending blocks get a double certificate by the outgoing set (an epoch-change proof).
      commitProof: endsEpoch(last.block.header.height) ? proofFor(last, undefined) : proofFor(last, child),
      validatorSets: batchSets,
      checkpoint: {
        height: last.block.header.height,
        hash: last.hash,
        atMs: last.block.header.timestampMs,
        targetHeight: options.blocks,
        strategy: 'generator',
      },
    };
    await store.commitBatch(write);
    proofHeights.push(last.block.header.height);
    batch = [];
    batchSets = [];
  };

  // Payloads do not depend on state roots, so blocks are executed in groups (one state
  // transaction per group) and their headers built afterwards with the roots.
  const applyGroup = 64;
  for (let first = 1; first <= options.blocks; ) {
    let last = Math.min(options.blocks, first + applyGroup - 1);
    for (let h = first; h < last; h++) {
      if (snapshotHeights.has(h)) {
        last = h; // a snapshot is exported at exactly the state of its height
        break;
      }
    }
    const groupPayloads = Array.from({ length: last - first + 1 }, (_, i) => payloads.next(first + i));
    const roots = await stateMachine.applyBlocks(
      groupPayloads.map((transactions, i) => ({ height: first + i, transactions })),
      'each',
    );
    for (let height = first; height <= last; height++) {
      const parentView = previous.block.header.view;
      let view = parentView + 1;
      if (forkHeights.has(height)) {
        // A sibling proposed in view v+1 gets certified, but the next leader never builds on it.
        const forkBlock = build(
          previous,
          height,
          view,
          previous.block.header.timestampMs + interval,
          payloads.forkPayload(),
          taggedHash('hs2/test-fork-root/v1', previous.hash),
        );
        forks.push({ block: forkBlock.block, qc: forkBlock.qc });
        view += 1;
      }
      if (random.float() < viewGapRate) view += random.int(1, 3);
      const timestampMs = previous.block.header.timestampMs + interval * (view - parentView);
      const built = build(
        previous,
        height,
        view,
        timestampMs,
        groupPayloads[height - first]!,
        roots[height - first]!,
      );

      // The batch ending at height-1 can be written now that its child exists.
      if (batch.length > 0 && isBatchEnd(height - 1)) await flush(built);
      batch.push(built);
      if (built.block.nextValidatorSet) batchSets.push(built.block.nextValidatorSet);
      previous = built;
      options.onProgress?.(height);
    }
    if (snapshotHeights.has(last)) {
      const exported = await stateMachine.exportSnapshot({
        chunkBytes: options.snapshotChunkBytes ?? 64 * 1024,
      });
      for await (const chunk of exported.chunks())
        await store.putSnapshotChunk(chunk.stateRoot, chunk.index, chunk.data);
      const snapshot: StoredSnapshot = {
        height: last,
        blockHash: previous.hash,
        stateRoot: exported.stateRoot,
        format: exported.format,
        chunkCount: exported.chunkCount,
        totalBytes: exported.totalBytes,
      };
      await store.putSnapshot(snapshot);
      snapshots.push(snapshot);
    }
    first = last + 1;
  }

  // The tip's proof needs a child that is never stored: an empty block in the next view.
  const tip = previous;
  const child = build(
    tip,
    tip.block.header.height + 1,
    tip.block.header.view + 1,
    tip.block.header.timestampMs + interval,
    [],
    tip.block.header.stateRoot,
  );
  await flush(child);
  const tipCommitProof = store.commitProof(tip.block.header.height)!;

  const milliseconds = performance.now() - started;
  return {
    chainId,
    anchor: { chainId, height: 0, blockHash: genesis.hash, validatorSet: schedule.set(0) },
    genesis: genesis.block,
    tip: trustedAfter(tip),
    tipCommitProof,
    validatorSets: Array.from(
      { length: epochOf(options.blocks) + 1 + (endsEpoch(options.blocks) ? 1 : 0) },
      (_, e) => schedule.set(e),
    ),
    keys: (epoch) => schedule.keys(epoch),
    forks,
    snapshots,
    proofHeights,
    stats: { blocks: options.blocks, milliseconds, blocksPerSec: (options.blocks * 1000) / milliseconds },
  };

  function isBatchEnd(height: number): boolean {
    return height % batchSize === 0 || endsEpoch(height) || snapshotHeights.has(height);
  }
}
