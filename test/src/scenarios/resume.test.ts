import {
  type Clock,
  createSyncManager,
  parseSyncConfig,
  type SyncConfigInput,
  type SyncOutcome,
  sleep,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import {
  expectNoInvalidBlockStored,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
  type SyncNodeFactory,
} from '@hotsync/simnet';
import { incrementalStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingNetwork } from '../harness/recording-network.js';

async function waitUntil(clock: Clock, condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(clock, 20);
}

const config: SyncConfigInput = {
  strategy: { default: 'incremental' },
  checkpoints: { intervalBlocks: 100 },
};

describe('resume after stop (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 31, blocks: 600, epochLength: 150 });
  });

  it.each([4, 5])(
    'a new manager on the same store continues from the checkpoint and never re-requests a verified block (seed %i)',
    async (seed) => {
      const seen: {
        first?: RecordingNetwork;
        second?: RecordingNetwork;
        outcomeA?: SyncOutcome;
        outcomeB?: SyncOutcome;
        tipAtRestart?: number;
        checkpointAtRestart?: { height: number; targetHeight: number };
      } = {};
      const factory: SyncNodeFactory = (ctx) => {
        const build = (network: RecordingNetwork) => {
          const peers = createPeerManager({
            config: parseSyncConfig(config),
            clock: ctx.clock,
            random: ctx.random,
            store: ctx.store,
          });
          const manager = createSyncManager({
            config,
            anchor: ctx.anchor,
            store: ctx.store,
            stateMachine: ctx.stateMachine,
            verifier: ctx.verifier,
            peers,
            network,
            strategies: [incrementalStrategy({ rangeSize: 10 })],
            clock: ctx.clock,
            random: ctx.random,
          });
          peers.start();
          return { peers, manager };
        };
        let stopCurrent = async () => {};
        const run = async () => {
          seen.first = new RecordingNetwork(ctx.network);
          const a = build(seen.first);
          stopCurrent = async () => {
            await a.manager.stop();
            await a.peers.stop();
          };
          const outcomeA = a.manager.start();
          await waitUntil(ctx.clock, () => ctx.store.tip()!.height >= 250);
          await stopCurrent();
          seen.outcomeA = await outcomeA;
          seen.tipAtRestart = ctx.store.tip()!.height;
          const checkpoint = ctx.store.checkpoint()!;
          seen.checkpointAtRestart = { height: checkpoint.height, targetHeight: checkpoint.targetHeight };
          expect(ctx.stateMachine.height()).toBe(seen.tipAtRestart);

          seen.second = new RecordingNetwork(ctx.network);
          const b = build(seen.second);
          stopCurrent = async () => {
            await b.manager.stop();
            await b.peers.stop();
          };
          seen.outcomeB = await b.manager.start();
        };
        return { start: () => void run(), stop: () => stopCurrent() };
      };

      const result = await runScenario({
        seed,
        chains: { main: chain },
        nodes: [
          { id: 'a', role: 'serve', chain: 'main' },
          { id: 'b', role: 'serve', chain: 'main' },
          { id: 'me', role: 'sync', chain: 'main', sync: factory },
        ],
        links: { default: { latency: { baseMs: 15, jitterMs: 10 }, bandwidthBytesPerSec: 5_000_000 } },
        until: { deadlineMs: 300_000, condition: 'all-synced' },
      });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expect(seen.outcomeA).toMatchObject({ kind: 'stopped' });
      expect(seen.outcomeB).toMatchObject({ kind: 'synced', height: 600 });
      // The checkpoint covers stored blocks and remembers where the sync was heading.
      expect(seen.checkpointAtRestart!.height).toBeLessThanOrEqual(seen.tipAtRestart!);
      expect(seen.checkpointAtRestart!.height).toBeGreaterThanOrEqual(200);
      expect(seen.checkpointAtRestart!.targetHeight).toBe(600);
      // Nothing at or below the restart tip (all verified and stored) is asked for again.
      const second = seen.second!.requestedHeights;
      expect(second.length).toBeGreaterThan(0);
      expect(Math.min(...second)).toBe(seen.tipAtRestart! + 1);
      // And the first run did ask for what the second run skipped.
      expect(Math.max(...seen.first!.requestedHeights)).toBeGreaterThanOrEqual(seen.tipAtRestart!);
    },
  );
});
