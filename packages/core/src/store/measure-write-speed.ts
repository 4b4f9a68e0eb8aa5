/**
 * Measures LMDB chain store write throughput: commitBatch of ~1 KiB blocks in batches of
 * 500 (each batch with its commit proof, checkpoint and tip, as sync writes them), with
 * default durability and with noSync. Not a test: prints figures.
 *
 *   node --import tsx packages/core/src/store/measure-write-speed.ts [blocks] [runs]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockBatch } from '../interfaces/chain-store.js';
import { fixtureBatch, fixtureChain } from './blocks.fixture.js';
import { openLmdbChainStore } from './lmdb-chain-store.js';

const BATCH = 500;
// Payload that makes the whole encoded block (header, 4-signature QC, payload) about 1 KiB.
const PAYLOAD_BYTES = 430;

const totalBlocks = Number(process.argv[2] ?? 20_000);
const runs = Number(process.argv[3] ?? 3);

const chain = fixtureChain(totalBlocks, { payloadBytes: PAYLOAD_BYTES });
const batches: BlockBatch[] = [];
for (let from = 1; from <= totalBlocks; from += BATCH) {
  batches.push(fixtureBatch(chain.slice(from, Math.min(from + BATCH, totalBlocks + 1))));
}
let blockBytes = 0;
for (const b of chain.slice(1)) blockBytes += b.stored.bytes.length;

async function once(noSync: boolean): Promise<{ seconds: number; fileBytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hotsync-store-measure-'));
  try {
    const store = await openLmdbChainStore({ path: dir, noSync });
    await store.initialize(chain[0]!.tip, chain[0]!.stored);
    const started = performance.now();
    for (const batch of batches) await store.commitBatch(batch);
    const seconds = (performance.now() - started) / 1000;
    await store.close();
    return { seconds, fileBytes: statSync(join(dir, 'data.mdb')).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(
  `LMDB commitBatch: ${totalBlocks} blocks of ${Math.round(blockBytes / totalBlocks)} B on average, ` +
    `${batches.length} batches of ${BATCH}, median of ${runs} runs (node ${process.version})`,
);
for (const noSync of [false, true]) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once(noSync));
  const seconds = median(results.map((r) => r.seconds));
  const mb = blockBytes / 1e6;
  console.log(
    `  ${noSync ? 'noSync ' : 'durable'}: ${Math.round(totalBlocks / seconds).toLocaleString('en')} blocks/s, ` +
      `${(mb / seconds).toFixed(1)} MB/s of block bytes, ${((seconds * 1000) / batches.length).toFixed(1)} ms/batch ` +
      `(runs: ${results.map((r) => r.seconds.toFixed(3)).join(', ')} s; data.mdb ${(results[0]!.fileBytes / 1e6).toFixed(1)} MB)`,
  );
}
