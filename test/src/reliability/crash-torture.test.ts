import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  bytesEqual,
  encodeTrustAnchor,
  openLmdbChainStore,
  openLmdbStateMachine,
  SeededRandom,
  type SyncConfigInput,
  toHex,
} from '@hotsync/core';
import { SimChain } from '@hotsync/simnet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashTortureSetup } from '../fixtures/crash-torture-child.fixture.js';
import { Libp2pNodes } from '../fixtures/libp2p-nodes.js';
import { COUNTS } from './counts.js';

const CHILD = join(import.meta.dirname, '../fixtures/crash-torture-child.fixture.ts');
const SEED = Number(process.env.HOTSYNC_CRASH_SEED ?? 20_261_204);
const CHAIN = { seed: 67, blocks: 2_000, epochLength: 700, transactionsPerBlock: 2 } as const;
const STATE_DEPTH = 10;
/**
 * `parallel` with small ranges and a short pipeline: the look-ahead window (4 ranges of at
 * most 64 + 4 blocks) is a small part of the chain, so "within one window" says something.
 */
const CONFIG: SyncConfigInput = {
  strategy: { default: 'parallel' },
  performance: { batchSizeMin: 16, batchSizeMax: 64, validationPipelineSize: 4 },
  checkpoints: { intervalBlocks: 100 },
};
/** Longest one incarnation may run before the test gives up on it. */
const INCARNATION_TIMEOUT_MS = 60_000;

/** What one incarnation of the syncing process said before it ended or was killed. */
interface Incarnation {
  /** Store tip and state height right after both LMDB environments opened; undefined: never opened. */
  opened?: { readonly tip: number; readonly state: number };
  window?: { readonly blocks: number; readonly ranges: number };
  /** Heights received in blocks_by_range answers, with repeats. */
  readonly received: number[];
  /** Last durably committed tip it reported. */
  committed: number;
  done?: { kind: string; height: number; hashHex: string; rootHex: string; stateHeight: number };
  killed: boolean;
  stderr: string;
}

/**
 * Runs one incarnation. `killAt` (a height) and `delayMs`: once the process has received
 * or stored a block at `killAt` or above (or opened a store already past it), it gets
 * SIGKILL `delayMs` later. Without `killAt` it runs to the end.
 */
function runIncarnation(
  dir: string,
  setupPath: string,
  kill?: { readonly atHeight: number; readonly delayMs: number },
): Promise<Incarnation> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions', 'hotsync-source', '--import', 'tsx', CHILD, dir, setupPath],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const run: Incarnation = { received: [], committed: -1, killed: false, stderr: '' };
  let armed = false;
  const fire = (height: number) => {
    if (!kill || armed || height < kill.atHeight) return;
    armed = true;
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, kill.delayMs);
  };
  child.stderr!.on('data', (d: Buffer) => {
    run.stderr += d.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [word, ...rest] = line.split(' ');
    const n = rest.map(Number);
    switch (word) {
      case 'opened':
        run.opened = { tip: n[0]!, state: n[1]! };
        fire(n[0]!);
        break;
      case 'window':
        run.window = { blocks: n[0]!, ranges: n[1]! };
        break;
      case 'got':
        for (let h = n[0]!; h < n[0]! + n[1]!; h++) run.received.push(h);
        if (n[1]! > 0) fire(n[0]! + n[1]! - 1);
        break;
      case 'tip':
        run.committed = n[0]!;
        fire(n[0]!);
        break;
      case 'done':
        run.done = {
          kind: rest[0]!,
          height: Number(rest[1]),
          hashHex: rest[2]!,
          rootHex: rest[3]!,
          stateHeight: Number(rest[4]),
        };
        break;
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`an incarnation ran over ${INCARNATION_TIMEOUT_MS} ms: ${run.stderr.slice(-2_000)}`));
    }, INCARNATION_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      run.killed = signal === 'SIGKILL';
      if (!run.killed && code !== 0) {
        reject(new Error(`the syncing process exited with ${code}: ${run.stderr.slice(-2_000)}`));
      } else resolve(run);
    });
  });
}

describe('crash torture: a libp2p sync into LMDB, SIGKILLed at random moments', () => {
  const nodes = new Libp2pNodes();
  const dirs: string[] = [];
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ ...CHAIN, stateDepth: STATE_DEPTH });
  });
  afterAll(async () => {
    await nodes.stopAll();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it(
    `always completes, equals the source, reopens every time, re-downloads at most one window (${COUNTS.kills} kills)`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hotsync-crash-torture-'));
      dirs.push(dir);
      const chainId = chain.chainId;
      const servers = [
        await nodes.start({ chainId, store: chain.store, config: CONFIG, seed: 1 }),
        await nodes.start({ chainId, store: chain.store, config: CONFIG, seed: 2 }),
      ];
      const setup: CrashTortureSetup = {
        chainIdHex: toHex(chainId),
        anchorHex: toHex(encodeTrustAnchor(chain.generated.anchor)),
        anchorBlockHex: toHex(chain.genesisBlock.bytes),
        stateDepth: STATE_DEPTH,
        config: CONFIG,
        peers: servers.map((s) => s.multiaddrs()[0]!.toString()),
        peerIds: servers.map((s) => s.peerId),
      };
      const setupPath = join(dir, 'setup.json');
      writeFileSync(setupPath, JSON.stringify(setup));

      // Kill points: one random height in each of `kills` equal slices of the first 85 % of
      // the chain (so every kill lands before the sync can end), each with a random delay.
      const random = new SeededRandom(SEED);
      const span = Math.floor(CHAIN.blocks * 0.85);
      const kills = Array.from({ length: COUNTS.kills }, (_, i) => ({
        atHeight: 1 + Math.floor(((i + random.float()) * span) / COUNTS.kills),
        delayMs: random.int(0, 40),
      }));
      console.log(
        `crash torture: seed ${SEED} (HOTSYNC_CRASH_SEED=${SEED} replays the kill points), ${COUNTS.kills} kills, ${CHAIN.blocks} blocks`,
      );

      const runs: Incarnation[] = [];
      for (const kill of kills) runs.push(await runIncarnation(join(dir, 'node'), setupPath, kill));
      runs.push(await runIncarnation(join(dir, 'node'), setupPath));

      // Every incarnation opened the store; every kill but the last run landed mid-sync.
      for (const [i, run] of runs.entries()) {
        expect(run.opened, `incarnation ${i} opened its store`).toBeDefined();
        if (i < kills.length) {
          expect(run.killed, `incarnation ${i} was killed (not finished first)`).toBe(true);
          expect(run.done).toBeUndefined();
        }
      }
      const last = runs.at(-1)!;
      expect(last.killed).toBe(false);

      // Per crash: what the store held on reopening, and what the next incarnation downloaded again.
      const rows: {
        kill: number;
        atHeight: number;
        committedAtKill: number;
        reopenedAt: number;
        storedAgain: number;
        lostInFlight: number;
      }[] = [];
      for (let i = 0; i < kills.length; i++) {
        const killed = runs[i]!;
        const next = runs[i + 1]!;
        const reopenedAt = next.opened!.tip;
        // The store's tip as the killed process last reported it (its own commits, else what it opened).
        const committedAtKill = Math.max(killed.committed, killed.opened!.tip);
        // Durable: everything reported committed before the kill is there after it.
        expect(reopenedAt).toBeGreaterThanOrEqual(committedAtKill);
        // Blocks the store already held, downloaded again.
        const storedAgain = next.received.filter((h) => h <= reopenedAt).length;
        // Blocks received before the kill but not stored, downloaded again after it.
        const before = new Set(killed.received.filter((h) => h > reopenedAt));
        const lostInFlight = new Set(next.received.filter((h) => before.has(h))).size;
        rows.push({
          kill: i + 1,
          atHeight: kills[i]!.atHeight,
          committedAtKill,
          reopenedAt,
          storedAgain,
          lostInFlight,
        });
      }
      const window = runs.find((r) => r.window)?.window;
      expect(window, 'the parallel strategy reported its look-ahead window').toBeDefined();
      console.table(rows);
      const maxStoredAgain = Math.max(...rows.map((r) => r.storedAgain));
      const maxLost = Math.max(...rows.map((r) => r.lostInFlight));
      console.log(
        `crash torture: ${kills.length} kills run, ${runs.length} incarnations; look-ahead window ${window!.blocks} blocks (${window!.ranges} ranges); ` +
          `re-downloaded blocks the store held: max ${maxStoredAgain}; received before a kill and downloaded again: max ${maxLost}`,
      );
      for (const [i, row] of rows.entries()) {
        // The state commits before the block batch: it may be ahead of the store by one batch, never more.
        expect(runs[i + 1]!.opened!.state - row.reopenedAt, `kill ${row.kill}`).toBeLessThanOrEqual(
          window!.blocks,
        );
        expect(row.storedAgain, `kill ${row.kill}`).toBeLessThanOrEqual(window!.blocks);
        expect(row.lostInFlight, `kill ${row.kill}`).toBeLessThanOrEqual(window!.blocks);
      }

      // The end: synced to the source's tip, same hash, same state root.
      expect(last.done).toMatchObject({
        kind: 'synced',
        height: chain.tip.height,
        stateHeight: chain.tip.height,
      });
      expect(last.done!.hashHex).toBe(toHex(chain.tip.hash));
      expect(last.done!.rootHex).toBe(toHex(chain.tip.stateRoot));

      // And what is on disk: every block equals the source's, the state root is the tip's.
      const store = await openLmdbChainStore({ path: join(dir, 'node', 'chain') });
      try {
        expect(store.tip()!.height).toBe(chain.tip.height);
        let differing = 0;
        let count = 0;
        for (const block of store.iterateBlocks(0, chain.tip.height)) {
          count++;
          if (!bytesEqual(block.bytes, chain.blockBytes(block.height)!)) differing++;
        }
        expect(count).toBe(chain.tip.height + 1);
        expect(differing).toBe(0);
      } finally {
        await store.close();
      }
      const state = await openLmdbStateMachine({ path: join(dir, 'node', 'state'), depth: STATE_DEPTH });
      try {
        expect(state.height()).toBe(chain.tip.height);
        expect(toHex(state.root())).toBe(toHex(chain.tip.stateRoot));
      } finally {
        await state.close();
      }
    },
    120_000 + COUNTS.kills * 30_000,
  );
});
