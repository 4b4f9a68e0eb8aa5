import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { u64be } from '@hotsync/core';
import { open } from 'lmdb';
import type { ChildIo } from '../ipc/child-io.js';
import type { LmdbLimitResult, LmdbLimitTask } from '../ipc/tasks.js';
import { readBlocks } from './chain-blocks.js';

/** Blocks per transaction, about what a sync commits at once. */
const BATCH = 256;
/** The durable pass is bounded: each batch waits for an fsync. */
const DURABLE_BLOCKS = 10_000;

/**
 * LMDB's batched write rate for the chain's own blocks, written the way the chain store
 * writes them: binary 8-byte big-endian height keys, appended, one child transaction per
 * batch. Without fsync (how the syncing nodes here run) and, for reference, durable.
 */
export async function measureLmdb(task: LmdbLimitTask, io: ChildIo): Promise<LmdbLimitResult> {
  const blocks = await readBlocks(task.meta, task.blocks);
  const noSync = await writeAll(join(task.dataDir, 'nosync'), blocks, true);
  const durable = await writeAll(join(task.dataDir, 'durable'), blocks.slice(0, DURABLE_BLOCKS), false);
  io.log(
    `lmdb: ${noSync.putsPerSec.toFixed(0)} puts/s without fsync, ${durable.putsPerSec.toFixed(0)} durable`,
  );
  return {
    blocks: blocks.length,
    noSyncPutsPerSec: noSync.putsPerSec,
    noSyncMBps: noSync.mbPerSec,
    durablePutsPerSec: durable.putsPerSec,
    durableMBps: durable.mbPerSec,
  };
}

async function writeAll(
  path: string,
  blocks: readonly Uint8Array[],
  noSync: boolean,
): Promise<{ putsPerSec: number; mbPerSec: number }> {
  const root = open<Uint8Array, Uint8Array>({
    path,
    encoding: 'binary',
    keyEncoding: 'binary',
    compression: false,
    maxDbs: 4,
    ...(noSync ? { noSync: true } : {}),
  });
  const db = root.openDB<Uint8Array, Uint8Array>({
    name: 'blocks',
    encoding: 'binary',
    keyEncoding: 'binary',
  });
  let bytes = 0;
  const started = performance.now();
  for (let first = 0; first < blocks.length; first += BATCH) {
    const batch = blocks.slice(first, first + BATCH);
    await root.childTransaction(() => {
      batch.forEach((b, i) => {
        db.putSync(u64be(first + i + 1), b, { append: true });
        bytes += b.length;
      });
    });
    if (!noSync) await root.flushed;
  }
  const seconds = (performance.now() - started) / 1000;
  await root.close();
  await rm(path, { recursive: true, force: true });
  return { putsPerSec: blocks.length / seconds, mbPerSec: bytes / 1e6 / seconds };
}
