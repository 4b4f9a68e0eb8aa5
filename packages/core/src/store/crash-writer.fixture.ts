/**
 * Child process of the crash-safety test: opens an LMDB chain store at argv[2] (durable
 * writes, the default) and commits batches of argv[3] fixture blocks in a loop, printing
 * each batch number once its write has resolved. The test SIGKILLs it at arbitrary points.
 * Resumes from the stored tip when the store is not empty; batch k ends at height k·size.
 *
 *   node --import tsx crash-writer.fixture.ts <dir> <blocksPerBatch>
 */
import {
  CRASH_CHAIN_OPTIONS,
  fixtureBatch,
  fixtureBlocks,
  fixtureFromBytes,
  fixtureGenesis,
} from './blocks.fixture.js';
import { openLmdbChainStore } from './lmdb-chain-store.js';

const [dir, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
if (!dir || !Number.isSafeInteger(size) || size < 1) {
  process.stderr.write('usage: crash-writer.fixture.ts <dir> <blocksPerBatch>\n');
  process.exit(64);
}
// If the test never kills us (it failed), do not outlive it.
setTimeout(() => process.exit(3), 120_000).unref();

const store = await openLmdbChainStore({ path: dir });
let tip = store.tip();
if (!tip) {
  const genesis = fixtureGenesis();
  await store.initialize(genesis.tip, genesis.stored);
  tip = genesis.tip;
}
if (tip.height % size !== 0) {
  process.stderr.write(`stored tip ${tip.height} is not at a batch end\n`);
  process.exit(65);
}
let parent = fixtureFromBytes(store.blockBytes(tip.height)!);
for (let batch = tip.height / size + 1; ; batch++) {
  const blocks = fixtureBlocks(parent, size, CRASH_CHAIN_OPTIONS);
  await store.commitBatch(fixtureBatch(blocks));
  // Synchronous on a pipe (Linux): once written, the parent reads it even if we die next.
  process.stdout.write(`${batch}\n`);
  parent = blocks[blocks.length - 1]!;
}
