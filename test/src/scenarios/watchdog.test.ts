import {
  expectNoInvalidBlockStored,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
  withholding,
} from '@hotsync/simnet';
import { incrementalStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ManagerNode, managerNode } from '../harness/manager-node.js';

describe('the stall watchdog (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 71, blocks: 200, transactionsPerBlock: 2 });
  });

  it('turns a sync that makes no progress into a recovery attempt, which succeeds once peers answer again', async () => {
    let node: ManagerNode | undefined;
    const result = await runScenario({
      seed: 5,
      chains: { main: chain },
      nodes: [
        // Status and proofs are answered, blocks never: discovery succeeds, the download stalls.
        {
          id: 'a',
          role: 'serve',
          chain: 'main',
          behaviours: [withholding({ methods: ['blocks_by_range'] })],
        },
        {
          id: 'b',
          role: 'serve',
          chain: 'main',
          behaviours: [withholding({ methods: ['blocks_by_range'] })],
        },
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: 200,
          sync: managerNode({
            strategies: () => [incrementalStrategy()],
            config: {
              strategy: { default: 'incremental' },
              progress: { stallTimeoutMs: 8_000 },
              network: { retryAttempts: 10 },
            },
            onNode: (_, n) => {
              node = n;
            },
          }),
        },
      ],
      faults: [
        { atMs: 20_000, kind: 'behaviours', node: 'a', behaviours: [] },
        { atMs: 20_000, kind: 'behaviours', node: 'b', behaviours: [] },
      ],
      until: { deadlineMs: 600_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    await expect(node!.outcome).resolves.toMatchObject({ kind: 'synced', height: 200 });
    const history = node!.manager.status().history;
    const stalls = history.filter((t) => t.to.name === 'failed' && /no progress for \d+ ms/.test(t.reason));
    expect(stalls.length).toBeGreaterThanOrEqual(1);
    // Each failure is followed by a new discovery (recovery), never by silence.
    for (const [i, t] of history.entries()) {
      if (t.to.name === 'failed') expect(history[i + 1]?.to.name).toBe('discovering');
    }
    expect(history[history.length - 1]!.to.name).toBe('synced');
  });
});
