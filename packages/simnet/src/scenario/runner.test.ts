import { beforeAll, describe, expect, it } from 'vitest';
import type { SimChain } from '../chain/sim-chain.js';
import { SimnetError } from '../errors.js';
import { smallChain } from '../fixtures/sim.fixture.js';
import { simpleSync } from '../fixtures/simple-sync.fixture.js';
import {
  expectBanned,
  expectNoErrors,
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
} from './assertions.js';
import { runScenario } from './runner.js';
import type { ScenarioSpec } from './types.js';

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

const honestSpec = (seed: number): ScenarioSpec => ({
  seed,
  chains: { main: chain },
  nodes: [
    { id: 's1', role: 'serve', chain: 'main' },
    { id: 's2', role: 'serve', chain: 'main' },
    { id: 'c1', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 32 }) },
    { id: 'c2', role: 'sync', chain: 'main', sync: simpleSync({ batchSize: 32 }), startAtMs: 2_000 },
  ],
  until: { deadlineMs: 60_000, condition: 'all-synced' },
});

describe('runScenario', () => {
  it('syncs fresh nodes from honest servers and reports tips, traffic and virtual time', async () => {
    const result = await runScenario(honestSpec(1));
    expectNoErrors(result);
    expectSyncedToHonestTip(result);
    expectNoInvalidBlockStored(result);
    expectOnlyPenalized(result, []);
    const { report } = result;
    expect(report.endedBy).toBe('condition');
    expect(report.virtualTimeMs).toBeGreaterThan(2_000); // c2 started at 2 s
    expect(report.nodes.c1).toMatchObject({
      role: 'sync',
      atChainTip: true,
      tip: { height: chain.tip.height },
    });
    // Every byte a client received was sent to it by some node (c2, starting late, also fetches from c1).
    for (const c of ['c1', 'c2']) {
      const sentToIt = Object.values(report.nodes).reduce(
        (n, node) => n + (node.peers[c]?.bytesSent ?? 0),
        0,
      );
      expect(report.nodes[c]!.totals.bytesReceived).toBe(sentToIt);
      expect(sentToIt).toBeGreaterThan(120 * 1000); // 120 blocks of about 1.3 kB
    }
    expect(result.node('c1').store.tip()!.height).toBe(chain.tip.height);
  });

  it('stops at the deadline or at a custom condition', async () => {
    const atDeadline = await runScenario({ ...honestSpec(2), until: { deadlineMs: 300 } });
    expect(atDeadline.report).toMatchObject({ endedBy: 'deadline', virtualTimeMs: 300 });
    const halfway = await runScenario({
      ...honestSpec(2),
      until: { deadlineMs: 60_000, condition: (view) => (view.tip('c1')?.height ?? 0) >= 60 },
    });
    expect(halfway.report.endedBy).toBe('condition');
    expect(halfway.report.nodes.c1!.tip!.height).toBeGreaterThanOrEqual(60);
    expect(halfway.report.nodes.c1!.atChainTip).toBe(false);
    expect(() => expectSyncedToHonestTip(halfway)).toThrow(/seed 2/);
  });

  it('collects penalties and bans from the peer events a node exposes, and errors from start()', async () => {
    const result = await runScenario({
      seed: 3,
      chains: { main: chain },
      nodes: [
        { id: 's', role: 'serve', chain: 'main' },
        {
          id: 'c',
          role: 'sync',
          chain: 'main',
          sync: (ctx) => {
            let emit: ((e: import('@hotsync/core').PeerManagerEvent) => void) | undefined;
            return {
              start: () => {
                emit?.({ type: 'penalized', peer: 's', level: 'mid', reason: 'testing' });
                emit?.({ type: 'banned', peer: 's', reason: 'testing', untilMs: ctx.clock.now() + 5_000 });
                return Promise.reject(new SimnetError('simnet.failed', 'start failed on purpose'));
              },
              stop: () => undefined,
              peerEvents: {
                onEvent: (listener) => {
                  emit = listener;
                  return () => undefined;
                },
              },
            };
          },
          startAtMs: 100,
        },
      ],
      until: { deadlineMs: 1_000 },
    });
    expect(result.report.penalties).toEqual([
      { atMs: 100, node: 'c', peer: 's', level: 'mid', reason: 'testing' },
    ]);
    expect(result.report.bans).toEqual([
      { atMs: 100, node: 'c', peer: 's', reason: 'testing', untilMs: 5_100 },
    ]);
    expect(result.report.errors).toEqual([
      { node: 'c', code: 'simnet.failed', message: 'start failed on purpose' },
    ]);
    expect(() => expectNoErrors(result)).toThrow(/start failed on purpose.*seed 3/);
    expectBanned(result, ['s'], { by: 'c' });
    expect(() => expectOnlyPenalized(result, [])).toThrow(/penalized outside none: s/);
  });

  it('refuses a scenario that names unknown nodes or chains, naming the seed', async () => {
    const bad: ScenarioSpec[] = [
      { ...honestSpec(9), nodes: [{ id: 'x', role: 'serve', chain: 'other' }] },
      { ...honestSpec(9), nodes: [...honestSpec(9).nodes, { id: 's1', role: 'serve', chain: 'main' }] },
      { ...honestSpec(9), faults: [{ atMs: 5, kind: 'leave', node: 'ghost' }] },
      { ...honestSpec(9), until: { deadlineMs: 0 } },
    ];
    for (const spec of bad) {
      await expect(runScenario(spec)).rejects.toThrow(
        expect.objectContaining({ code: 'simnet.invalid-option', seed: 9 }),
      );
    }
  });

  it('fails the run with the seed when a timer callback throws', async () => {
    const spec: ScenarioSpec = {
      ...honestSpec(12),
      nodes: [
        { id: 's', role: 'serve', chain: 'main' },
        {
          id: 'c',
          role: 'sync',
          chain: 'main',
          sync: (ctx) => ({
            start: () => {
              ctx.clock.setTimeout(() => {
                throw new Error('boom');
              }, 50);
            },
            stop: () => undefined,
          }),
        },
      ],
    };
    await expect(runScenario(spec)).rejects.toThrow(/boom.*seed 12/);
  });
});
