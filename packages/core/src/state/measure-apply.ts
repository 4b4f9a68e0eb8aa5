/**
 * Apply throughput of the reference state machine: blocks of 8 transactions (~1 KiB, the
 * chain generator's payload mix) on a state of 100k keys, for each backend and root
 * schedule. Run from the repository root:
 *
 *   node --import tsx packages/core/src/state/measure-apply.ts [--backend memory|lmdb] [--keys 100000] [--blocks 2000] [--range 500]
 *
 * `each, 1 per call` is a node following the chain block by block; `each` over ranges is
 * full verification of a downloaded range (a root per block); `last` is anchored
 * verification (one root per range, dirty buckets deduplicated across the range).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutableBlock, RootSchedule } from '../interfaces/state-machine.js';
import { SeededRandom } from '../random.js';
import { PayloadGenerator } from '../testing/payload-generator.js';
import { createMemoryStateMachine, openLmdbStateMachine } from './factories.js';
import type { MerkleKvStateMachine } from './state-machine.js';
import { encodeStateTx } from './tx-codec.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const KEYS = arg('keys', 100_000);
const BLOCKS = arg('blocks', 2000);
const RANGE = arg('range', 500);
const TX_PER_BLOCK = 8;

interface Backend {
  readonly name: string;
  open(dir: string): Promise<MerkleKvStateMachine>;
}

const only = process.argv.includes('--backend')
  ? process.argv[process.argv.indexOf('--backend') + 1]
  : undefined;

const allBackends: Backend[] = [
  { name: 'memory', open: async () => createMemoryStateMachine() },
  { name: 'lmdb (noSync)', open: (path) => openLmdbStateMachine({ path, noSync: true }) },
  { name: 'lmdb (durable)', open: (path) => openLmdbStateMachine({ path }) },
];
const backends = allBackends.filter((b) => only === undefined || b.name.startsWith(only));

/** The initial state: `KEYS` keys with 100-byte values, in blocks of 10k puts. */
function seedBlocks(): ExecutableBlock[] {
  const random = new SeededRandom(1);
  const blocks: ExecutableBlock[] = [];
  for (let k = 0; k < KEYS; k += 10_000) {
    const txs: Uint8Array[] = [];
    for (let i = k; i < Math.min(KEYS, k + 10_000); i++) {
      txs.push(
        encodeStateTx({ kind: 'put', key: new TextEncoder().encode(`k/${i}`), value: random.bytes(100) }),
      );
    }
    blocks.push({ height: blocks.length + 1, transactions: txs });
  }
  return blocks;
}

function workload(fromHeight: number, count: number): ExecutableBlock[] {
  const payloads = new PayloadGenerator(new SeededRandom(2), {
    transactionsPerBlock: TX_PER_BLOCK,
    valueBytes: 100,
    keySpace: KEYS,
  });
  const blocks: ExecutableBlock[] = [];
  // The generator's first block funds its accounts (32 extra puts): keep it out of the timing.
  const funding = payloads.next(fromHeight);
  blocks.push({ height: fromHeight, transactions: funding });
  for (let i = 1; i <= count; i++)
    blocks.push({ height: fromHeight + i, transactions: payloads.next(fromHeight + i) });
  return blocks;
}

async function timed(
  sm: MerkleKvStateMachine,
  blocks: ExecutableBlock[],
  perCall: number,
  roots: RootSchedule,
) {
  const start = performance.now();
  for (let i = 0; i < blocks.length; i += perCall) await sm.applyBlocks(blocks.slice(i, i + perCall), roots);
  const seconds = (performance.now() - start) / 1000;
  return { blocksPerSec: blocks.length / seconds, seconds };
}

const seeds = seedBlocks();
const rows: string[] = [];
for (const backend of backends) {
  const dir = mkdtempSync(join(tmpdir(), 'hotsync-measure-'));
  try {
    const sm = await backend.open(dir);
    let t = performance.now();
    await sm.applyBlocks(seeds, 'last');
    const loadMs = performance.now() - t;
    let height = sm.height() + 1;
    const runs: [string, number, RootSchedule][] = [
      ['each, 1 block per call', 1, 'each'],
      [`each, ranges of ${RANGE}`, RANGE, 'each'],
      [`last, ranges of ${RANGE}`, RANGE, 'last'],
    ];
    const results: string[] = [];
    let payloadBytes = 0;
    let payloadBlocks = 0;
    for (const [label, perCall, roots] of runs) {
      const blocks = workload(height, BLOCKS);
      await sm.applyBlocks(blocks.slice(0, 1), 'last');
      const measured = blocks.slice(1);
      for (const b of measured) for (const tx of b.transactions) payloadBytes += tx.length;
      payloadBlocks += measured.length;
      const r = await timed(sm, measured, perCall, roots);
      results.push(`${label}: ${r.blocksPerSec.toFixed(0)} blocks/s`);
      height = sm.height() + 1;
      await sm.prune(sm.height());
    }
    t = performance.now();
    rows.push(
      `${backend.name.padEnd(15)} | load ${KEYS} keys ${(loadMs / 1000).toFixed(2)} s | ${results.join(' | ')} | ` +
        `avg payload ${(payloadBytes / payloadBlocks).toFixed(0)} B/block, state ${sm.stats().entries} keys`,
    );
    await sm.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  `state machine apply throughput (${TX_PER_BLOCK} tx/block, ${BLOCKS} blocks per run, Node ${process.version})`,
);
for (const r of rows) console.log(r);
