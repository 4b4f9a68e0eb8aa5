import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbChainStore, openLmdbStateMachine, type SyncOutcome } from '@hotsync/core';
import { expectNoInvalidBlockStored, expectSyncedToHonestTip, runScenario, SimChain } from '@hotsync/simnet';
import { afterEach, describe, expect, it } from 'vitest';
import { CRASH_CHAIN, lmdbSyncNode } from '../fixtures/lmdb-sync-node.js';
import { RecordingNetwork } from '../harness/recording-network.js';

const CHILD = join(import.meta.dirname, '../fixtures/crash-sync-child.fixture.ts');

/** Runs the child until it reports a tip of at least `killAt`, then SIGKILLs it. Returns the last tip it printed. */
function syncInChildThenKill(dir: string, killAt: number, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--conditions', 'hotsync-source', '--import', 'tsx', CHILD, dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let lastTip = -1;
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not reach ${killAt} in time (last tip ${lastTip}): ${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^tip (\d+)$/.exec(line);
        if (m) lastTip = Number(m[1]);
        if (line === 'done') {
          clearTimeout(timer);
          reject(new Error('child finished before it could be killed'));
        }
        if (lastTip >= killAt && !child.killed) {
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(lastTip);
    });
  });
}

describe('resume after the syncing process is killed (LMDB, real SyncManager)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reopens with every verified block and continues without downloading any of them again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-crash-resume-'));
    dirs.push(dir);
    const lastPrinted = await syncInChildThenKill(dir, 700);

    // The store opens, holds at least what the child reported, and state follows it after the manager reconciles.
    const store = await openLmdbChainStore({ path: `${dir}/chain` });
    const tipAfterCrash = store.tip()!.height;
    await store.close();
    const state = await openLmdbStateMachine({ path: `${dir}/state`, depth: 10 });
    const stateAfterCrash = state.height();
    await state.close();
    expect(tipAfterCrash).toBeGreaterThanOrEqual(lastPrinted);
    expect(tipAfterCrash).toBeLessThan(CRASH_CHAIN.blocks);
    // The state commits before the block batch: it may be one range ahead of the store, never behind by more.
    expect(Math.abs(stateAfterCrash - tipAfterCrash)).toBeLessThanOrEqual(10);

    const chain = await SimChain.generate(CRASH_CHAIN);
    let recording: RecordingNetwork | undefined;
    let outcome: SyncOutcome | undefined;
    const result = await runScenario({
      seed: 2,
      chains: { main: chain },
      nodes: [
        { id: 'a', role: 'serve', chain: 'main' },
        { id: 'b', role: 'serve', chain: 'main' },
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          sync: lmdbSyncNode({
            dir,
            wrapNetwork: (n) => {
              recording = new RecordingNetwork(n);
              return recording;
            },
            onOutcome: (o) => {
              outcome = o;
            },
          }),
        },
      ],
      links: { default: { latency: { baseMs: 10, jitterMs: 5 }, bandwidthBytesPerSec: 10_000_000 } },
      until: { deadlineMs: 3_600_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expect(outcome).toMatchObject({ kind: 'synced', height: CRASH_CHAIN.blocks });
    // Re-downloaded: nothing at or below the tip that survived the crash (the anchor block aside, fetched only for an empty store).
    const requested = recording!.requestedHeights;
    expect(Math.min(...requested)).toBe(tipAfterCrash + 1);
  }, 240_000);
});
