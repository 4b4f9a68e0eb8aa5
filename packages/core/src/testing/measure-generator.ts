/**
 * Chain generation speed: `node --import tsx packages/core/src/testing/measure-generator.ts [blocks] [lmdb|memory]`.
 * Prints blocks/s for a 4-validator chain with ~1 KiB payloads (8 transactions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMemoryStateMachine,
  MemoryChainStore,
  openLmdbChainStore,
  openLmdbStateMachine,
} from '../index.js';
import { generateChain } from './generate-chain.js';

const blocks = Number(process.argv[2] ?? 10_000);
const backend = process.argv[3] ?? 'lmdb';
const dir = mkdtempSync(join(tmpdir(), 'hotsync-gen-'));
try {
  const store =
    backend === 'lmdb' ? await openLmdbChainStore({ path: join(dir, 'chain') }) : new MemoryChainStore();
  const stateMachine =
    backend === 'lmdb'
      ? await openLmdbStateMachine({ path: join(dir, 'state') })
      : createMemoryStateMachine();
  const chain = await generateChain({ seed: 1, blocks, epochLength: 5_000, store, stateMachine });
  const bytes = [...store.iterateBlocks(1, blocks)].reduce((n, b) => n + b.bytes.length, 0);
  console.log(
    `${backend}: ${blocks} blocks (${(bytes / blocks).toFixed(0)} B avg) in ${(chain.stats.milliseconds / 1000).toFixed(1)} s = ${chain.stats.blocksPerSec.toFixed(0)} blocks/s`,
  );
  await store.close();
  await stateMachine.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
