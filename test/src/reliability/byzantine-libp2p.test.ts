import { SimChain } from '@hotsync/simnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { byzantineBehaviours, mixedBehaviours } from './byzantine-behaviours.js';
import { runLibp2pRow } from './byzantine-libp2p.js';
import { formatMatrix, type MatrixRow } from './byzantine-matrix.js';
import { COUNTS } from './counts.js';

/*
 * Issue 11, the Byzantine matrix over real libp2p (smaller than the simnet one): 1 honest
 * node and 9 Byzantine ones answering through simnet's behaviours on real streams. CI runs
 * the mix (parallel and incremental); HOTSYNC_FULL=1 adds every behaviour alone. Times are
 * wall times on loopback, timeouts shortened so a withheld answer costs 1 s, not 5. The
 * mix adds a roughly fixed 2-3 s (timeouts and retries before the liars are shunned), so
 * the chain is long enough (20,000 blocks) that the 3× bound measures sync, not that cost.
 */

const BLOCKS = 20_000;
const CONFIG = { peers: { peerTimeoutMs: 3_000, firstByteTimeoutMs: 1_000 } };
const SEED = 1;

describe('Byzantine matrix over libp2p: 1 honest node and 9 Byzantine ones', () => {
  let chain: SimChain;
  const rows: MatrixRow[] = [];
  const baseline: Record<string, number> = {};
  const all = byzantineBehaviours({ forgeFrom: 1_200, slowMs: 1_500 });

  beforeAll(async () => {
    chain = await SimChain.generate({
      seed: 12,
      blocks: BLOCKS,
      epochLength: 6_000,
      transactionsPerBlock: 2,
      forkHeights: [400],
    });
  }, 120_000);

  async function row(
    name: string,
    strategy: 'parallel' | 'incremental',
    byzantine: readonly (readonly import('@hotsync/simnet').Behaviour[])[],
  ) {
    const r = await runLibp2pRow({
      chain,
      name,
      strategy,
      byzantine,
      config: CONFIG,
      seed: SEED,
      timeoutMs: 90_000,
    });
    rows.push(r);
    expect(r.synced, `${name} (${strategy}) synced`).toBe(true);
    expect(r.invalidStored).toBe(0);
    expect(r.honestBlamed).toBe(0);
    return r;
  }

  it.each(['parallel', 'incremental'] as const)(
    'honest only, then a mix of every behaviour (%s)',
    async (strategy) => {
      baseline[strategy] = (await row('honest only', strategy, [])).virtualMs;
      const mix = await row('mix', strategy, mixedBehaviours(all));
      expect(mix.byzantineCaught).toBeGreaterThanOrEqual(7);
      expect(mix.virtualMs).toBeLessThanOrEqual(3 * baseline[strategy]!);
    },
    180_000,
  );

  it.runIf(COUNTS.libp2pEveryBehaviour).each(Object.keys(all))(
    '%s × 9 (parallel)',
    async (name) => {
      const r = await row(
        name,
        'parallel',
        Array.from({ length: 9 }, () => all[name]!()),
      );
      expect(r.byzantineCaught).toBeGreaterThan(0);
      expect(r.virtualMs).toBeLessThanOrEqual(3 * baseline.parallel!);
    },
    180_000,
  );

  it('prints the table', () => {
    console.log(
      `\nByzantine matrix over libp2p (${BLOCKS} blocks, wall time):\n${formatMatrix(rows, baseline, 'wall ms')}`,
    );
    for (const r of rows)
      if (r.reasons.length > 0) console.log(`  ${r.name}/${r.strategy}: ${r.reasons.join('; ')}`);
  });
});
