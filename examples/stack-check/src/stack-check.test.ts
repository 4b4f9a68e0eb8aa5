import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStackCheck } from './stack-check.js';

describe('stack check (what `pnpm demo` runs until the demo network exists)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('generates, stores, reopens and re-verifies a chain in LMDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotsync-stack-test-'));
    dirs.push(dir);
    const report = await runStackCheck({ dir, blocks: 250 });
    expect(report.blocks).toBe(250);
    expect(report.validatorSets).toBe(3); // epochs of 100 blocks: sets 0, 1 and the set 2 block 200 announced
    // Every block from 1 to 250 carries a QC signed by at least a quorum of 4 validators (≥ 2 signers).
    expect(report.signaturesVerified).toBeGreaterThanOrEqual(250 * 2);
    expect(report.stateRoot).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs as a command that prints only what it checked', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts')], {
      env: { ...process.env, HOTSYNC_CHECK_BLOCKS: '120' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(out).toContain('hotsync stack check');
    expect(out).toMatch(/ok: 120 blocks, \d+ KiB, \d+ signatures/);
  });
});
