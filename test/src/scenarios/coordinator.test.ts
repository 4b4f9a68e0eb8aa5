import {
  type ConsensusEngine,
  type CoordinatorEvents,
  type SafetyData,
  SyncCoordinator,
} from '@hotsync/consensus-adapter';
import { type Block, createSyncManager, parseSyncConfig } from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import { runScenario, SimChain, type SyncNodeFactory } from '@hotsync/simnet';
import { incrementalStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';

/** An engine that only follows: it commits what it is handed, in order. */
class FollowerEngine implements ConsensusEngine {
  height = 0;
  readonly pauses: string[] = [];
  readonly resumes: number[] = [];
  readonly outOfOrder: number[] = [];
  pause(reason: string): void {
    this.pauses.push(reason);
  }
  resume(fromHeight: number): void {
    this.resumes.push(fromHeight);
  }
  committedHeight(): number {
    return this.height;
  }
  deliverCommitted(blocks: readonly Block[]): void {
    for (const b of blocks) {
      if (b.header.height !== this.height + 1) this.outOfOrder.push(b.header.height);
      this.height = b.header.height;
    }
  }
  safetyData(): SafetyData {
    return { lastVotedView: 0 };
  }
}

describe('sync coordinator with the real SyncManager (simnet)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 51, blocks: 300, epochLength: 100 });
  });

  it('a node far behind is paused, synced, handed every committed block in order, and resumed', async () => {
    const engine = new FollowerEngine();
    const modes: CoordinatorEvents['mode'][] = [];
    let coordinator: SyncCoordinator | undefined;
    const factory: SyncNodeFactory = (ctx) => {
      const config = { strategy: { default: 'incremental', maxBehindBlocks: 32 } };
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
        network: ctx.network,
        strategies: [incrementalStrategy({ rangeSize: 25 })],
        clock: ctx.clock,
        random: ctx.random,
      });
      coordinator = new SyncCoordinator({
        engine,
        manager,
        peers,
        store: ctx.store,
        network: ctx.network,
        config,
        checkIntervalMs: 1_000,
        clock: ctx.clock,
      });
      coordinator.on('mode', (m) => modes.push(m));
      return {
        start: () => {
          peers.start();
          coordinator!.start();
        },
        stop: async () => {
          await coordinator!.stop();
          await peers.stop();
        },
        peerEvents: peers,
      };
    };
    await runScenario({
      seed: 9,
      chains: { main: chain },
      nodes: [
        { id: 'a', role: 'serve', chain: 'main' },
        { id: 'b', role: 'serve', chain: 'main' },
        { id: 'validator', role: 'sync', chain: 'main', sync: factory },
      ],
      links: { default: { latency: { baseMs: 20, jitterMs: 5 }, bandwidthBytesPerSec: 5_000_000 } },
      until: { deadlineMs: 120_000, condition: () => engine.resumes.length > 0 },
    });
    expect(engine.pauses).toHaveLength(1);
    expect(engine.pauses[0]).toMatch(/300 blocks behind/);
    expect(engine.height).toBe(300);
    expect(engine.outOfOrder).toEqual([]);
    expect(engine.resumes).toEqual([301]);
    expect(modes.map((m) => m.to)).toEqual(['syncing', 'participating']);
    expect(coordinator!.mode()).toBe('participating');
    expect(coordinator!.canProduceBlocks()).toBe(true);
  });

  it('a node ahead of the network raises possible-fork and neither pauses nor syncs', async () => {
    const engine = new FollowerEngine();
    engine.height = 5_000; // claims far more than the network has
    const forks: CoordinatorEvents['possible-fork'][] = [];
    let syncs = 0;
    const factory: SyncNodeFactory = (ctx) => {
      const peers = createPeerManager({
        config: parseSyncConfig({}),
        clock: ctx.clock,
        random: ctx.random,
        store: ctx.store,
      });
      const manager = createSyncManager({
        anchor: ctx.anchor,
        store: ctx.store,
        stateMachine: ctx.stateMachine,
        verifier: ctx.verifier,
        peers,
        network: ctx.network,
        strategies: [incrementalStrategy()],
        clock: ctx.clock,
        random: ctx.random,
      });
      const coordinator = new SyncCoordinator({
        engine,
        manager,
        peers,
        store: ctx.store,
        network: ctx.network,
        checkIntervalMs: 1_000,
        clock: ctx.clock,
      });
      coordinator.on('possible-fork', (e) => forks.push(e));
      coordinator.on('sync-started', () => syncs++);
      return { start: () => coordinator.start(), stop: () => coordinator.stop() };
    };
    await runScenario({
      seed: 3,
      chains: { main: chain },
      nodes: [
        { id: 'a', role: 'serve', chain: 'main' },
        { id: 'node', role: 'sync', chain: 'main', sync: factory },
      ],
      until: { deadlineMs: 5_500, condition: () => forks.length >= 3 },
    });
    expect(forks.length).toBeGreaterThanOrEqual(3);
    expect(forks[0]).toMatchObject({ localHeight: 5_000, networkHeight: 300, ahead: 4_700 });
    expect(syncs).toBe(0);
    expect(engine.pauses).toEqual([]);
  });
});
