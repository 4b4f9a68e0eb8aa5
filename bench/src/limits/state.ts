import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bytesEqual,
  decodeBlock,
  type ExecutableBlock,
  type Hash,
  openLmdbStateMachine,
  type RootSchedule,
} from '@hotsync/core';
import { BenchError } from '../errors.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { StateLimitResult, StateLimitTask } from '../ipc/tasks.js';
import { readBlocks } from './chain-blocks.js';

/**
 * The state limit: the reference state machine (LMDB backend without fsync, the chain's
 * tree depth, as the syncing nodes run it) applying the chain's own blocks from genesis,
 * alone: transactions decoded beforehand, no verification, no network, no block store.
 * `each`: a root after every block (what full verification checks); `last`: one root per
 * range of `rangeBlocks` (anchored). Undo data is pruned after each range, as a sync does.
 */
export async function measureState(task: StateLimitTask, io: ChildIo): Promise<StateLimitResult> {
  const decoded = (await readBlocks(task.meta, task.blocks)).map((bytes) => decodeBlock(bytes));
  const blocks: ExecutableBlock[] = decoded.map((b) => ({
    height: b.header.height,
    transactions: b.payload,
  }));
  // The probe must do the real work: its final root must be the chain's.
  const expected = decoded[decoded.length - 1]!.header.stateRoot;
  const perBlockRoot = await applyAll(join(task.dataDir, 'each'), task, blocks, 'each', expected);
  const perRangeRoot = await applyAll(join(task.dataDir, 'last'), task, blocks, 'last', expected);
  io.log(
    `state: ${perBlockRoot.toFixed(0)} blocks/s with a root per block, ${perRangeRoot.toFixed(0)} per range`,
  );
  return {
    blocks: blocks.length,
    rangeBlocks: task.rangeBlocks,
    perBlockRootBlocksPerSec: perBlockRoot,
    perRangeRootBlocksPerSec: perRangeRoot,
  };
}

async function applyAll(
  path: string,
  task: StateLimitTask,
  blocks: readonly ExecutableBlock[],
  roots: RootSchedule,
  expected: Hash,
): Promise<number> {
  const sm = await openLmdbStateMachine({ path, depth: task.meta.params.stateDepth, noSync: true });
  const started = performance.now();
  for (let first = 0; first < blocks.length; first += task.rangeBlocks) {
    const range = blocks.slice(first, first + task.rangeBlocks);
    await sm.applyBlocks(range, roots);
    await sm.prune(range[range.length - 1]!.height);
  }
  const seconds = (performance.now() - started) / 1000;
  const root = sm.root();
  await sm.close();
  if (!bytesEqual(root, expected))
    throw new BenchError('bench.cache', `state probe (${roots}): wrong final root`);
  await rm(path, { recursive: true, force: true });
  return blocks.length / seconds;
}
