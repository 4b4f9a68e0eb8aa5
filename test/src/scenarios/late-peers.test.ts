import { expectNoInvalidBlockStored, expectSyncedToHonestTip, runScenario, SimChain } from '@hotsync/simnet';
import { parallelStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { type StrategyNode, strategyNode } from '../harness/strategy-node.js';

describe('peers that connect after the sync started (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 61, blocks: 4_000, transactionsPerBlock: 1, valueBytes: 200 });
  });

  it.each([1, 2])('are proven in the background and share the work (seed %i)', async (seed) => {
    let node: StrategyNode | undefined;
    const result = await runScenario({
      seed,
      chains: { main: chain },
      nodes: [
        { id: 'early', role: 'serve', chain: 'main' },
        { id: 'late1', role: 'serve', chain: 'main', online: false },
        { id: 'late2', role: 'serve', chain: 'main', online: false },
        { id: 'late3', role: 'serve', chain: 'main', online: false },
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          // Starts at once: discovery sees only `early`.
          sync: strategyNode({
            strategies: () => [parallelStrategy()],
            config: { strategy: { default: 'parallel' } },
            onNode: (n) => {
              node = n;
            },
          }),
        },
      ],
      links: { default: { latency: { baseMs: 30, jitterMs: 10 }, bandwidthBytesPerSec: 300_000 } },
      faults: [
        { atMs: 400, kind: 'join', node: 'late1' },
        { atMs: 400, kind: 'join', node: 'late2' },
        { atMs: 400, kind: 'join', node: 'late3' },
      ],
      until: { deadlineMs: 600_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    await expect(node!.outcome).resolves.toMatchObject({ kind: 'synced', height: 4_000 });
    const traffic = result.report.nodes.me!.peers;
    for (const late of ['late1', 'late2', 'late3']) {
      expect(traffic[late]?.bytesReceived ?? 0, `${late} served nothing`).toBeGreaterThan(100_000);
    }
  });
});
