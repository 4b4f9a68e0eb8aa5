import { SimChain } from '@hotsync/simnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { byzantineBehaviours, mixedBehaviours } from './byzantine-behaviours.js';
import { formatMatrix, type MatrixRow, runMatrixRow } from './byzantine-matrix.js';

/*
 * Issue 11, Byzantine matrix on simnet: 1 honest peer and 9 Byzantine ones, for each
 * behaviour alone and for a mix of all of them, through the real SyncManager with the
 * `parallel` strategy (and `incremental` for the mix). Every row must end at the honest
 * tip with no invalid block stored, blame nobody but Byzantine peers, and take at most 3×
 * the virtual time of the same sync from the honest peer alone.
 */

const BLOCKS = 2_000;
const FORK_HEIGHT = 600;
/** Forgeries begin inside the range still to sync, so ranges are refused too, not only height proofs. */
const FORGE_FROM = 900;
// 500 KB/s: the honest-only sync takes a few virtual seconds, long against a first-byte timeout.
const LINK = { latency: { baseMs: 30, jitterMs: 10 }, bandwidthBytesPerSec: 500_000 };
/** Beyond the first-byte deadline (5 s, half of peers.peerTimeoutMs): a slow peer times out. */
const SLOW_MS = 6_000;
const SEED = 4;
const RUN = { deadlineMs: 600_000, settleMs: 12_000, link: LINK, seed: SEED };

/** Behaviours whose peers send data or claims that are always checked, so each of the 9 must be caught. */
const ALWAYS_CAUGHT = [
  'lying-height',
  'invalid-signatures',
  'forged-chain',
  'uncommitted-fork',
  'garbage',
  'oversized',
  'truncated',
  'equivocating',
  'slow',
];

describe('Byzantine matrix: 1 honest peer and 9 Byzantine ones (simnet, real SyncManager)', () => {
  let chain: SimChain;
  const rows: MatrixRow[] = [];
  const baseline: Record<string, number> = {};
  const all = byzantineBehaviours({ forgeFrom: FORGE_FROM, slowMs: SLOW_MS });

  beforeAll(async () => {
    chain = await SimChain.generate({
      seed: 11,
      blocks: BLOCKS,
      epochLength: 700,
      transactionsPerBlock: 2,
      forkHeights: [FORK_HEIGHT],
    });
    for (const strategy of ['parallel', 'incremental'] as const) {
      const row = await runMatrixRow({ ...RUN, chain, name: 'honest only', strategy, byzantine: [] });
      expect(row.synced).toBe(true);
      baseline[strategy] = row.virtualMs;
      rows.push(row);
    }
  }, 120_000);

  function check(row: MatrixRow): void {
    rows.push(row);
    const what = `${row.name} (${row.strategy}, seed ${row.seed})`;
    expect(row.synced, `${what}: synced`).toBe(true);
    expect(row.invalidStored, `${what}: invalid blocks stored`).toBe(0);
    expect(row.honestBlamed, `${what}: penalties or bans of the honest peer`).toBe(0);
    expect(row.virtualMs, `${what}: virtual time vs 3× honest-only`).toBeLessThanOrEqual(
      3 * baseline[row.strategy]!,
    );
  }

  it.each(Object.keys(all))('%s × 9', async (name) => {
    const byzantine = Array.from({ length: 9 }, () => all[name]!());
    const row = await runMatrixRow({ ...RUN, chain, name, strategy: 'parallel', byzantine });
    check(row);
    if (ALWAYS_CAUGHT.includes(name)) expect(row.byzantineCaught).toBe(9);
    // Withholders that were never asked for a range did no harm to see: those asked were blamed.
    else expect(row.byzantineCaught).toBeGreaterThan(0);
  });

  it.each(['parallel', 'incremental'] as const)('a mix of every behaviour (%s)', async (strategy) => {
    const row = await runMatrixRow({ ...RUN, chain, name: 'mix', strategy, byzantine: mixedBehaviours(all) });
    check(row);
    expect(row.byzantineCaught).toBeGreaterThanOrEqual(7);
    console.log(
      `\nByzantine matrix (simnet, ${BLOCKS} blocks, seed ${SEED}):\n${formatMatrix(rows, baseline)}`,
    );
    for (const r of rows)
      if (r.reasons.length > 0) console.log(`  ${r.name}/${r.strategy}: ${r.reasons.join('; ')}`);
  });
});
