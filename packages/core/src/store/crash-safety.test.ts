import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hashOfEncodedBlock } from '../chain/codec.js';
import { bytesEqual } from '../encoding/bytes.js';
import { SeededRandom } from '../random.js';
import { CRASH_CHAIN_OPTIONS, fixtureBatch, fixtureChain, fixtureCommitProof } from './blocks.fixture.js';
import { openLmdbChainStore } from './lmdb-chain-store.js';

/*
 * Crash safety of the LMDB store: a child process commits batches in a loop and reports
 * each one after its write resolved; we SIGKILL it mid-stream, reopen the store, and check
 * that it holds exactly a prefix of whole batches: every reported one, at most one more,
 * nothing torn, nothing above the tip.
 */

const WRITER = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
const BLOCKS_PER_BATCH = 50;
const FIRST_BATCH_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 10_000;

interface Writer {
  readonly child: ChildProcess;
  /** Batch numbers the writer reported, in order. */
  readonly reported: number[];
  stderr(): string;
  /** Resolves when at least `count` batches are reported; rejects on timeout or early exit. */
  waitForReports(count: number, timeoutMs: number): Promise<void>;
  /** SIGKILLs the writer and resolves once its output is fully read. */
  kill(): Promise<void>;
}

function startWriter(dir: string): Writer {
  // tsx is a root devDependency: resolved from the writer's directory upwards.
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(BLOCKS_PER_BATCH)], {
    cwd: dirname(WRITER),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reported: number[] = [];
  let pending = '';
  let errors = '';
  let onChange = () => {};
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) reported.push(Number(line));
    onChange();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  // 'close' comes after both pipes are drained: everything the writer printed has been read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let exited = false;
  void closed.then(() => {
    exited = true;
    onChange();
  });

  return {
    child,
    reported,
    stderr: () => errors,
    waitForReports(count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no batch ${count} within ${timeoutMs} ms; stderr: ${errors}`)),
          timeoutMs,
        );
        onChange = () => {
          if (reported.length >= count) {
            clearTimeout(timer);
            resolve();
          } else if (exited) {
            clearTimeout(timer);
            reject(new Error(`writer exited after ${reported.length} batches; stderr: ${errors}`));
          }
        };
        onChange();
      });
    },
    async kill() {
      onChange = () => {};
      if (!exited) child.kill('SIGKILL');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('writer did not exit after SIGKILL')), EXIT_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
    },
  };
}

/** The chain the writer writes: the same fixture blocks, regenerated here. */
let expectedChain = fixtureChain(0, CRASH_CHAIN_OPTIONS);
function expectedUpTo(height: number) {
  if (expectedChain.length <= height)
    expectedChain = fixtureChain(height + 10 * BLOCKS_PER_BATCH, CRASH_CHAIN_OPTIONS);
  return expectedChain;
}

/** Reopens the store after a kill and checks it holds whole batches only. Returns the tip height. */
async function verifyAfterCrash(dir: string, lastReported: number): Promise<number> {
  const store = await openLmdbChainStore({ path: dir });
  try {
    const tip = store.tip();
    expect(tip).toBeDefined();
    const height = tip!.height;
    // Every reported batch is there; at most the one in flight at the kill is there too.
    expect([lastReported * BLOCKS_PER_BATCH, (lastReported + 1) * BLOCKS_PER_BATCH]).toContain(height);
    const chain = expectedUpTo(height);
    expect(tip).toEqual(chain[height]!.tip);

    // The blocks are exactly 0..tip: nothing missing, nothing above the tip.
    const blocks = [...store.iterateBlocks(0, Number.MAX_SAFE_INTEGER)];
    expect(blocks.length).toBe(height + 1);
    expect(store.blockBytes(height + 1)).toBeUndefined();
    for (const [i, block] of blocks.entries()) {
      expect(block.height).toBe(i);
      // Intact: the bytes the writer wrote, their hash as stored and as indexed.
      expect(bytesEqual(block.bytes, chain[i]!.stored.bytes)).toBe(true);
      expect(bytesEqual(hashOfEncodedBlock(block.bytes), block.hash)).toBe(true);
      expect(store.heightOfHash(block.hash)).toBe(i);
    }
    expect(bytesEqual(blocks[height]!.hash, tip!.hash)).toBe(true);

    // The rest of the last batch came with its blocks.
    expect(store.latestCommitProofHeight()).toBe(height);
    expect(store.commitProof(height)).toEqual(fixtureCommitProof(chain[height]!));
    expect(store.checkpoint()?.height).toBe(height);
    return height;
  } finally {
    await store.close();
  }
}

/** Kill delays after the first reported batch, drawn from a fixed seed so a failure replays. */
const SEED = 0x5eed;
const delays = (() => {
  const random = new SeededRandom(SEED);
  return Array.from({ length: 4 }, () => random.int(0, 600));
})();

describe('LmdbChainStore crash safety (SIGKILL of a writing process)', () => {
  const dirs: string[] = [];
  const writers: Writer[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-crash-'));
    dirs.push(dir);
    return dir;
  };
  const run = (dir: string) => {
    const writer = startWriter(dir);
    writers.push(writer);
    return writer;
  };

  afterEach(async () => {
    // Never leave a writer running, whatever happened in the test.
    for (const writer of writers.splice(0)) await writer.kill().catch(() => {});
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it.each([1, 6])('killed right after batch %i is reported', async (count) => {
    const dir = newDir();
    const writer = run(dir);
    await writer.waitForReports(count, FIRST_BATCH_TIMEOUT_MS);
    await writer.kill();
    expect(writer.stderr()).toBe('');
    await verifyAfterCrash(dir, writer.reported.at(-1)!);
  });

  it.each(delays)(`killed %i ms after the first batch (seed ${SEED})`, async (delayMs) => {
    const dir = newDir();
    const writer = run(dir);
    await writer.waitForReports(1, FIRST_BATCH_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await writer.kill();
    expect(writer.stderr()).toBe('');
    await verifyAfterCrash(dir, writer.reported.at(-1)!);
  });

  it('a store reopened after a kill takes new batches, and survives a second kill', async () => {
    const dir = newDir();
    const first = run(dir);
    await first.waitForReports(3, FIRST_BATCH_TIMEOUT_MS);
    await first.kill();
    const height = await verifyAfterCrash(dir, first.reported.at(-1)!);

    // The writer resumes from the stored tip; its batch numbers continue from there.
    const second = run(dir);
    await second.waitForReports(2, FIRST_BATCH_TIMEOUT_MS);
    await second.kill();
    expect(second.reported[0]).toBe(height / BLOCKS_PER_BATCH + 1);
    const after = await verifyAfterCrash(dir, second.reported.at(-1)!);
    expect(after).toBeGreaterThan(height);

    // And this process can continue the chain too.
    const store = await openLmdbChainStore({ path: dir });
    try {
      const chain = expectedUpTo(after + BLOCKS_PER_BATCH);
      await store.commitBatch(fixtureBatch(chain.slice(after + 1, after + BLOCKS_PER_BATCH + 1)));
      expect(store.tip()?.height).toBe(after + BLOCKS_PER_BATCH);
    } finally {
      await store.close();
    }
  });
});
