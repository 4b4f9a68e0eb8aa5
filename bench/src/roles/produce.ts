import {
  type Block,
  type CommitProof,
  decodeBlock,
  openLmdbChainStore,
  type StoredBlock,
  sleep,
  systemClock,
  twoChainProof,
} from '@hotsync/core';
import { copyPrefix } from '@hotsync/simnet';
import { BenchError } from '../errors.js';
import { wallNowMs } from '../instrument/usage.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { ProduceResult, ProduceTask } from '../ipc/tasks.js';
import { startServerNode } from '../node/server-node.js';
import { trustedPointOf } from '../node/trusted-point.js';

/** Blocks after a view gap are committed with the next block that has a two-chain. */
const MAX_COMMIT_UNIT = 4;

/**
 * The tip-follow producer: a serving node whose chain grows. It serves the cached chain up
 * to `startHeight`, then, on `go`, commits one more block every `intervalMs` (on an
 * absolute schedule, so a slow commit does not stretch the next interval) with the
 * two-chain proof that makes it committed, and records when each block became available:
 * the moment its store write completed, so a status request sees it.
 */
export async function produce(task: ProduceTask, io: ChildIo): Promise<ProduceResult> {
  const source = await openLmdbChainStore({ path: task.meta.chainPath, noSync: true });
  if (!task.meta.proofHeights.includes(task.startHeight)) {
    throw new BenchError(
      'bench.invalid-argument',
      `the producer must start on a stored commit proof, not at ${task.startHeight}`,
    );
  }
  const finalHeight = task.startHeight + task.blocks;
  if (finalHeight + MAX_COMMIT_UNIT + 2 > task.meta.tipHeight) {
    throw new BenchError('bench.invalid-argument', `the chain is too short to produce up to ${finalHeight}`);
  }
  const store = await copyPrefix(source, task.startHeight);
  const { node, address } = await startServerNode(task.meta, store, process.pid);
  const available: [number, number][] = [];
  try {
    io.ready(address);
    await io.signal('go');
    const decoded = (h: number): Block => decodeBlock(source.blockBytes(h)!);
    const begun = performance.now();
    let produced = 0;
    while (store.tip()!.height < finalHeight && !io.stop.aborted) {
      const due = begun + produced * task.intervalMs - performance.now();
      if (due > 0) await sleep(systemClock, due);
      const from = store.tip()!.height + 1;
      const unit = commitUnit(from, decoded);
      const blocks: StoredBlock[] = unit.blocks.map((block) => ({
        height: block.header.height,
        hash: trustedPointOf(block, source).hash,
        bytes: source.blockBytes(block.header.height)!,
      }));
      const last = unit.blocks[unit.blocks.length - 1]!;
      await store.commitBatch({
        blocks,
        tip: trustedPointOf(last, source),
        commitProof: unit.proof,
        validatorSets: unit.blocks.flatMap((b) => (b.nextValidatorSet ? [b.nextValidatorSet] : [])),
      });
      const at = wallNowMs();
      for (const b of blocks) available.push([b.height, at]);
      produced += blocks.length;
    }
    io.log(`produced ${produced} blocks, up to ${store.tip()!.height}`);
    await io.signal('stop');
    return { available };
  } finally {
    await node.stop();
    await source.close();
  }
}

/** The blocks from `from` up to the first with a two-chain, and that proof. */
function commitUnit(from: number, decoded: (h: number) => Block): { blocks: Block[]; proof: CommitProof } {
  const blocks: Block[] = [];
  for (let h = from; h < from + MAX_COMMIT_UNIT; h++) {
    blocks.push(decoded(h));
    const proof = twoChainProof(blocks[blocks.length - 1]!, decoded(h + 1), decoded(h + 2));
    if (proof) return { blocks, proof };
  }
  throw new BenchError('bench.cache', `no two-chain within ${MAX_COMMIT_UNIT} blocks of ${from}`);
}
