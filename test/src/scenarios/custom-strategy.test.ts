import {
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
} from '@hotsync/simnet';
import { defaultStrategies } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OnePeerStrategy, onePeerStrategy } from '../harness/one-peer-strategy.js';
import {
  phaseNames,
  START_AFTER_MS,
  type StrategyNode,
  servers,
  strategyNode,
} from '../harness/strategy-node.js';

describe('a custom strategy registered by a user (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 70, blocks: 2_300, epochLength: 800, transactionsPerBlock: 2 });
  }, 60_000);

  it.each([1, 2])(
    '"one-peer": 500-block requests one after another to a single peer (seed %i)',
    async (seed) => {
      let me: StrategyNode | undefined;
      const result = await runScenario({
        seed,
        chains: { main: chain },
        nodes: [
          ...servers(3),
          {
            id: 'me',
            role: 'sync',
            chain: 'main',
            startAtMs: START_AFTER_MS,
            sync: strategyNode({
              // Registered beside the shipped ones and chosen by name in the config.
              strategies: () => [...defaultStrategies(), onePeerStrategy(500)],
              config: { strategy: { default: 'one-peer' } },
              onNode: (n) => (me = n),
            }),
          },
        ],
        links: { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 2_000_000 } },
        until: { deadlineMs: 120_000, condition: 'all-synced' },
      });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, []);
      expect(me!.manager.status().strategy).toBe('one-peer');
      expect(phaseNames(me!.manager)).toEqual(['discovering', 'downloading-blocks', 'synced']);
      const { requests } = me!.strategies.find((s) => s.name === 'one-peer') as OnePeerStrategy;
      // 2,300 blocks: four full ranges and the rest, each from where the last one ended, all to one peer.
      expect(requests.length).toBe(5);
      expect(new Set(requests.map((r) => r.peer)).size).toBe(1);
      requests.forEach((r, i) => {
        expect(r.to - r.from + 1).toBeLessThanOrEqual(500);
        if (i > 0) {
          expect(r.from).toBe(requests[i - 1]!.to + 1);
          expect(r.atMs).toBeGreaterThan(requests[i - 1]!.atMs);
        }
      });
      // Only that peer served blocks (the others sent status and proofs during discovery: a few KB).
      const served = Object.entries(result.report.nodes)
        .filter(([id, n]) => id !== 'me' && (n.peers.me?.bytesSent ?? 0) > 100_000)
        .map(([id]) => id);
      expect(served).toEqual([requests[0]!.peer]);
    },
  );
});
