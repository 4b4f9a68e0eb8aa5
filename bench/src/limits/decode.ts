import { blockHash, decodeBlock, qcHash, transactionsRoot } from '@hotsync/core';
import type { ChildIo } from '../ipc/child-io.js';
import type { DecodeLimitResult, DecodeLimitTask } from '../ipc/tasks.js';
import { readBlocks } from './chain-blocks.js';

/**
 * Decode + hash: what verification does to every block whatever the mode (canonical
 * decode, the block hash, the payload's transaction root, the justify QC's hash), on one
 * thread, over the chain's own blocks. A warm-up pass first, so the JIT has settled.
 */
export async function measureDecode(task: DecodeLimitTask, io: ChildIo): Promise<DecodeLimitResult> {
  const blocks = await readBlocks(task.meta, task.blocks);
  let bytes = 0;
  for (const b of blocks) bytes += b.length;
  const pass = () => {
    for (const bytes of blocks) {
      const block = decodeBlock(bytes);
      blockHash(block);
      transactionsRoot(block.payload);
      qcHash(block.justify);
    }
  };
  pass();
  const started = performance.now();
  pass();
  const seconds = (performance.now() - started) / 1000;
  io.log(`decode + hash: ${(blocks.length / seconds).toFixed(0)} blocks/s`);
  return { blocks: blocks.length, blocksPerSec: blocks.length / seconds, mbPerSec: bytes / 1e6 / seconds };
}
