import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createMemoryStateMachine,
  decodeBlock,
  encodeValidatorSet,
  type MerkleKvStateMachine,
  openLmdbChainStore,
  openLmdbStateMachine,
  toHex,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import type { ChainMeta } from '../ipc/chain-meta.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { GenerateTask } from '../ipc/tasks.js';

/** Blocks decoded to count signatures per block (enough for an average, cheap on 1M blocks). */
const SIGNATURE_SAMPLE = 20_000;
/** States this big are built in LMDB: a million keys in the memory backend would take gigabytes. */
const LMDB_STATE_FROM_TRANSACTIONS = 1_000;

/**
 * Generates one chain (core's generator: signed QCs, commit proofs, executed state roots)
 * into `task.dir/chain`, and describes it. The state the generator executes is thrown away:
 * syncing nodes rebuild it, and the snapshot, if any, is already exported into the store.
 */
export async function generate(task: GenerateTask, io: ChildIo): Promise<ChainMeta> {
  const { params } = task;
  const chainPath = join(task.dir, 'chain');
  const statePath = join(task.dir, 'generator-state');
  const store = await openLmdbChainStore({ path: chainPath, noSync: true });
  const stateMachine: MerkleKvStateMachine =
    params.transactionsPerBlock >= LMDB_STATE_FROM_TRANSACTIONS
      ? await openLmdbStateMachine({ path: statePath, depth: params.stateDepth, noSync: true })
      : createMemoryStateMachine({ depth: params.stateDepth });
  const started = performance.now();
  let nextReport = 0.1;
  const chain = await generateChain({
    seed: params.seed,
    blocks: params.blocks,
    validators: params.validators,
    transactionsPerBlock: params.transactionsPerBlock,
    valueBytes: params.valueBytes,
    keySpace: params.keySpace,
    epochLength: params.epochLength,
    batchSize: params.batchSize,
    store,
    stateMachine,
    ...(params.snapshotBelowTip !== undefined && {
      snapshotHeights: [params.blocks - params.snapshotBelowTip],
    }),
    onProgress: (height) => {
      if (height >= nextReport * params.blocks) {
        io.log(
          `generated ${height.toLocaleString('en-US')} of ${params.blocks.toLocaleString('en-US')} blocks (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
        nextReport += 0.1;
      }
    },
  });
  const generatedSeconds = (performance.now() - started) / 1000;

  let blockBytes = 0;
  let signatures = 0;
  let sampled = 0;
  for (const stored of store.iterateBlocks(1, params.blocks)) {
    blockBytes += stored.bytes.length;
    if (sampled < SIGNATURE_SAMPLE) {
      signatures += decodeBlock(stored.bytes).justify.signatures.length;
      sampled++;
    }
  }
  const snapshot = chain.snapshots[0];
  let keys = 0;
  if (snapshot) {
    for (let i = 0; i < snapshot.chunkCount; i++) {
      const data = store.snapshotChunk(snapshot.stateRoot, i)!;
      // Chunk data: u8 depth ‖ u32 first bucket ‖ u32 last bucket ‖ u32 entry count ‖ ... (big-endian).
      keys += new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(9);
    }
  }
  const genesis = store.blockBytes(0)!;
  const meta: ChainMeta = {
    params,
    chainPath,
    chainIdHex: toHex(chain.chainId),
    genesisHex: toHex(genesis),
    validatorSetHex: toHex(encodeValidatorSet(chain.anchor.validatorSet)),
    tipHeight: chain.tip.height,
    tipHashHex: toHex(chain.tip.hash),
    tipStateRootHex: toHex(chain.tip.stateRoot),
    proofHeights: chain.proofHeights,
    blockBytes,
    signaturesPerBlock: signatures / sampled,
    ...(snapshot && {
      snapshot: {
        height: snapshot.height,
        stateRootHex: toHex(snapshot.stateRoot),
        chunkCount: snapshot.chunkCount,
        totalBytes: snapshot.totalBytes,
        keys,
      },
    }),
    generatedSeconds,
  };
  await store.close();
  await stateMachine.close();
  await rm(statePath, { recursive: true, force: true });
  return meta;
}
