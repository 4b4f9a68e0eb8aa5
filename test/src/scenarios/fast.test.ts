import {
  bytesEqual,
  createSyncManager,
  InvalidPhaseError,
  parseSyncConfig,
  type SyncConfigInput,
  type SyncOutcome,
  type VerifiedRange,
} from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import {
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
  runScenario,
  SimChain,
  type SyncNodeFactory,
} from '@hotsync/simnet';
import { type adaptiveStrategy, defaultStrategies, fastStrategy } from '@hotsync/strategies';
import { beforeAll, describe, expect, it } from 'vitest';
import { corruptSnapshotChunks } from '../harness/behaviours.js';
import {
  phaseNames,
  START_AFTER_MS,
  type StrategyNode,
  servers,
  strategyNode,
  syncDurationMs,
} from '../harness/strategy-node.js';

const SNAPSHOT_HEIGHT = 8_000;
const TIP = 10_000;
const LINKS = { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 2_000_000 } };

describe('fast: a snapshot at 8,000, then blocks to the 10,000 tip (simnet, real SyncManager)', () => {
  let chain: SimChain;
  beforeAll(async () => {
    // 16 KiB chunks: the state (~5,000 keys) comes in a few dozen chunks, spread over the peers.
    chain = await SimChain.generate({
      seed: 10,
      blocks: TIP,
      epochLength: 2_500,
      transactionsPerBlock: 4,
      snapshotHeights: [SNAPSHOT_HEIGHT],
      snapshotChunkBytes: 16 * 1024,
    });
  }, 120_000);

  function expectSnapshotSync(me: StrategyNode): void {
    const { store, stateMachine } = me.context;
    // The state root and tip are the honest chain's; nothing below the snapshot was downloaded.
    expect(stateMachine.height()).toBe(TIP);
    expect(bytesEqual(stateMachine.root(), chain.tip.stateRoot)).toBe(true);
    expect(store.base()).toBe(SNAPSHOT_HEIGHT);
    expect(store.blockBytes(SNAPSHOT_HEIGHT - 1)).toBeUndefined();
    expect(bytesEqual(store.blockBytes(SNAPSHOT_HEIGHT)!, chain.blockBytes(SNAPSHOT_HEIGHT)!)).toBe(true);
    const history = me.manager.status().history;
    for (const t of history) expect(t.reason.length).toBeGreaterThan(0);
    const snapshot = history.find((t) => t.to.name === 'downloading-snapshot')!;
    expect(snapshot.to).toMatchObject({ snapshotHeight: SNAPSHOT_HEIGHT });
    console.log(history.map((t) => `${t.atMs - history[0]!.atMs} ms ${t.to.name}: ${t.reason}`).join('\n'));
  }

  it.each([1, 2])(
    'imports the snapshot from several peers, blames the one corrupting chunks, continues with parallel (seed %i)',
    async (seed) => {
      let me: StrategyNode | undefined;
      const result = await runScenario({
        seed,
        chains: { main: chain },
        nodes: [
          ...servers(5),
          { id: 'corrupter', role: 'serve', chain: 'main', behaviours: [corruptSnapshotChunks()] },
          {
            id: 'me',
            role: 'sync',
            chain: 'main',
            startAtMs: START_AFTER_MS,
            sync: strategyNode({
              strategies: () => [fastStrategy()],
              config: { strategy: { default: 'fast' } },
              onNode: (n) => (me = n),
            }),
          },
        ],
        links: LINKS,
        until: { deadlineMs: 300_000, condition: 'all-synced' },
      });
      expectSyncedToHonestTip(result);
      expectNoInvalidBlockStored(result);
      expectOnlyPenalized(result, ['corrupter']);
      expect(result.report.penalties.some((p) => p.reason.includes('snapshot.chunk'))).toBe(true);
      expect(await me!.outcome).toMatchObject({ kind: 'synced', height: TIP });
      expect(phaseNames(me!.manager)).toEqual([
        'discovering',
        'downloading-snapshot',
        'downloading-blocks',
        'synced',
      ]);
      expectSnapshotSync(me!);
      // Chunks came from more than one peer.
      const chunkServers = Object.entries(result.report.nodes.me!.peers).filter(
        ([, t]) => t.requestsSent > 3,
      );
      expect(chunkServers.length).toBeGreaterThan(2);
      console.log(
        `fast seed ${seed}: ${syncDurationMs(me!.manager)} virtual ms, ${result.realTimeMs.toFixed(0)} real ms`,
      );
    },
    120_000,
  );

  it('adaptive picks the snapshot far behind, parallel after it, incremental near the tip (seed 3)', async () => {
    let me: StrategyNode | undefined;
    const result = await runScenario({
      seed: 3,
      chains: { main: chain },
      nodes: [
        ...servers(4),
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: strategyNode({
            strategies: () => defaultStrategies(),
            config: { strategy: { default: 'adaptive', fastSyncThreshold: 5_000, parallelThreshold: 64 } },
            onNode: (n) => (me = n),
          }),
        },
      ],
      links: LINKS,
      until: { deadlineMs: 300_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, []);
    expect(phaseNames(me!.manager)).toEqual([
      'discovering',
      'downloading-snapshot',
      'downloading-blocks',
      'catching-up',
      'synced',
    ]);
    const adaptive = me!.strategies.find((s) => s.name === 'adaptive') as ReturnType<typeof adaptiveStrategy>;
    expect(adaptive.decisions().map((d) => d.choice)).toEqual(['fast', 'parallel', 'incremental']);
    expectSnapshotSync(me!);
  }, 120_000);

  it('refuses requests outside their phase with InvalidPhaseError (seed 4)', async () => {
    let me: StrategyNode | undefined;
    const refused: { phase: string; action: string; error: unknown }[] = [];
    const attempt = (phase: string, action: string, run: () => Promise<unknown>) => {
      run().then(
        () => refused.push({ phase, action, error: undefined }),
        (error: unknown) => refused.push({ phase, action, error }),
      );
    };
    const result = await runScenario({
      seed: 4,
      chains: { main: chain },
      nodes: [
        ...servers(3),
        {
          id: 'me',
          role: 'sync',
          chain: 'main',
          startAtMs: START_AFTER_MS,
          sync: strategyNode({
            strategies: () => [fastStrategy()],
            config: { strategy: { default: 'fast' } },
            onNode: (n) => {
              me = n;
              n.manager.on('phase', (t) => {
                const snapshot = chain.generated.snapshots[0]!;
                if (t.to.name === 'downloading-snapshot') {
                  // Blocks cannot be committed while the state is being replaced...
                  attempt(t.to.name, 'commit', () =>
                    n.manager.context().commit({ blocks: [{}] } as unknown as VerifiedRange),
                  );
                  // ...and no manual request runs beside a sync.
                  attempt(t.to.name, 'syncBlocks', () => n.manager.syncBlocks(1, 10));
                }
                if (t.to.name === 'downloading-blocks') {
                  attempt(t.to.name, 'downloadStateSnapshot', () =>
                    n.manager.downloadStateSnapshot({
                      height: snapshot.height,
                      stateRoot: snapshot.stateRoot,
                    }),
                  );
                  attempt(t.to.name, 'rebase', () =>
                    n.manager
                      .context()
                      .rebase(n.context.store.tip()!, chain.genesisBlock, chain.generated.tipCommitProof),
                  );
                }
              });
            },
          }),
        },
      ],
      links: LINKS,
      until: { deadlineMs: 300_000, condition: 'all-synced' },
    });
    expectSyncedToHonestTip(result);
    expect(await me!.outcome).toMatchObject({ kind: 'synced', height: TIP });
    expect(refused.map((r) => `${r.phase}: ${r.action}`).sort()).toEqual([
      'downloading-blocks: downloadStateSnapshot',
      'downloading-blocks: rebase',
      'downloading-snapshot: commit',
      'downloading-snapshot: syncBlocks',
    ]);
    for (const r of refused) {
      expect(r.error).toBeInstanceOf(InvalidPhaseError);
      expect((r.error as InvalidPhaseError).code).toBe('phase.invalid');
      expect((r.error as InvalidPhaseError).phase).toBe(r.phase);
    }
  }, 120_000);

  it('downloadStateSnapshot(id) imports exactly that snapshot on a node at rest (seed 5)', async () => {
    const config: SyncConfigInput = { strategy: { default: 'parallel' } };
    const snapshot = chain.generated.snapshots[0]!;
    let outcome: SyncOutcome | 'done' | undefined;
    let phases: string[] = [];
    const factory: SyncNodeFactory = (ctx) => {
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
        strategies: defaultStrategies(),
        clock: ctx.clock,
        random: ctx.random,
      });
      return {
        start: () => {
          peers.start();
          manager
            .downloadStateSnapshot({ height: snapshot.height, stateRoot: snapshot.stateRoot })
            .then(() => {
              outcome = 'done';
              phases = manager.status().history.map((t) => t.to.name);
            });
        },
        stop: async () => {
          await manager.stop();
          await peers.stop();
        },
        peerEvents: peers,
      };
    };
    const result = await runScenario({
      seed: 5,
      chains: { main: chain },
      nodes: [
        ...servers(3),
        { id: 'me', role: 'sync', chain: 'main', startAtMs: START_AFTER_MS, sync: factory },
      ],
      links: LINKS,
      until: { deadlineMs: 120_000, condition: () => outcome !== undefined },
    });
    expect(outcome).toBe('done');
    expect(phases).toEqual(['discovering', 'downloading-snapshot', 'synced']);
    const { store, stateMachine } = result.node('me');
    expect(store.tip()!.height).toBe(SNAPSHOT_HEIGHT);
    expect(stateMachine!.height()).toBe(SNAPSHOT_HEIGHT);
    expect(bytesEqual(stateMachine!.root(), snapshot.stateRoot)).toBe(true);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, []);
  }, 120_000);
});
