import { expectNoInvalidBlockStored, expectSyncedToHonestTip, runScenario, SimChain } from '@hotsync/simnet';
import { incrementalStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ManagerNode, managerNode } from '../harness/manager-node.js';

describe('incremental sync through the default SyncManager (simnet)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 21, blocks: 50, epochLength: 20 });
  });

  it.each([1, 2, 3])('syncs a 50-block gap across two epoch changes (seed %i)', async (seed) => {
    const nodes = new Map<string, ManagerNode>();
    const result = await runScenario({
      seed,
      chains: { main: chain },
      nodes: [
        { id: 'a', role: 'serve', chain: 'main' },
        { id: 'b', role: 'serve', chain: 'main' },
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          sync: managerNode({
            strategies: () => [incrementalStrategy({ rangeSize: 8 })],
            config: { strategy: { default: 'incremental' } },
            onNode: (id, n) => nodes.set(id, n),
          }),
        },
      ],
      links: { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 2_000_000 } },
      until: { deadlineMs: 60_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    const me = nodes.get('me')!;
    const outcome = await me.outcome;
    expect(outcome).toMatchObject({ kind: 'synced', height: 50 });
    console.log(me.manager.status().history.map((t) => `${t.to.name}: ${t.reason}`));
    const phases = me.manager.status().history.map((t) => t.to.name);
    expect(phases).toEqual(['discovering', 'catching-up', 'synced']);
  });
});
