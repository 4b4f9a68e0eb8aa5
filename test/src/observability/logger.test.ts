import { createSyncManager, type Logger, silentLogger } from '@hotsync/core';
import { createPeerManager } from '@hotsync/peers';
import { invalidSignatures, runScenario, SimChain, type SyncNodeFactory } from '@hotsync/simnet';
import { parallelStrategy } from '@hotsync/strategies';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';

/** One pino JSON line, with the fields these tests look at. */
interface Line {
  readonly level: number;
  readonly msg: string;
  readonly node?: string;
  readonly component?: string;
  readonly [field: string]: unknown;
}

/** pino's numbers for its level names. */
const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

describe('logging: a pino logger plugs in as is; hotsync is silent without one', () => {
  let chain: SimChain;
  beforeAll(async () => {
    chain = await SimChain.generate({ seed: 31, blocks: 400, epochLength: 200 });
  }, 60_000);

  it('a sync writes structured pino lines, with the bindings of the children it was given and makes', async () => {
    const lines: Line[] = [];
    // pino's own destination interface: anything with write(string); one JSON line per call.
    const root = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
    // A real pino logger is a hotsync Logger: no adapter.
    const logger: Logger = root.child({ node: 'syncer' });
    const factory: SyncNodeFactory = (ctx) => {
      const peers = createPeerManager({
        config: ctx.config,
        clock: ctx.clock,
        random: ctx.random,
        store: ctx.store,
        logger,
      });
      const manager = createSyncManager({
        config: { strategy: { default: 'parallel' } },
        anchor: ctx.anchor,
        store: ctx.store,
        stateMachine: ctx.stateMachine,
        verifier: ctx.verifier,
        peers,
        network: ctx.network,
        strategies: [parallelStrategy()],
        clock: ctx.clock,
        random: ctx.random,
        logger,
      });
      return {
        start: () => {
          peers.start();
          void manager.start();
        },
        stop: async () => {
          await manager.stop();
          await peers.stop();
        },
        tip: () => ctx.store.tip(),
        peerEvents: peers,
      };
    };
    const { report } = await runScenario({
      seed: 4,
      chains: { main: chain },
      nodes: [
        { id: 'a', role: 'serve', chain: 'main' },
        { id: 'b', role: 'serve', chain: 'main' },
        { id: 'forger', role: 'serve', chain: 'main', behaviours: [invalidSignatures({ fromHeight: 100 })] },
        { id: 'syncer', role: 'sync', chain: 'main', sync: factory },
      ],
      links: { default: { latency: { baseMs: 10, jitterMs: 2 }, bandwidthBytesPerSec: 10_000_000 } },
      until: { deadlineMs: 60_000, condition: 'all-synced' },
    });
    expect(report.nodes.syncer?.tip?.height).toBe(400);
    console.log(`logger test: ${lines.length} pino lines from one 400-block simnet sync`);

    // Every line came through the child we passed: its binding is on all of them.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.node === 'syncer')).toBe(true);
    // The sync manager's structured phase lines (fields, then a message).
    const phases = lines.filter((l) => l.msg === 'sync phase');
    expect(phases.map((l) => l.to)).toEqual(
      expect.arrayContaining(['discovering', 'downloading-blocks', 'synced']),
    );
    expect(phases.every((l) => l.level === LEVEL.info && typeof l.reason === 'string')).toBe(true);
    // The peer manager's own child ({ component: 'peers' }) stacks on ours: the forger's
    // penalty (debug) and ban (warn) name it and the check that failed.
    const peerLines = lines.filter((l) => l.component === 'peers');
    const penalized = peerLines.find((l) => l.msg === 'peer penalized' && l.peer === 'forger');
    // Its own fields never shadow pino's: the line's level stays a level.
    expect(penalized).toMatchObject({ level: LEVEL.debug, penalty: 'fatal' });
    expect(lines.every((l) => Object.values(LEVEL).includes(l.level as never))).toBe(true);
    expect(String(penalized?.reason)).toMatch(/^invalid-data:/);
    expect(peerLines.find((l) => l.msg === 'peer banned')).toMatchObject({
      level: LEVEL.warn,
      peer: 'forger',
    });
  }, 60_000);

  it('the level set on pino filters what hotsync writes', async () => {
    const lines: Line[] = [];
    const root = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
    const logger: Logger = root;
    logger.debug({ a: 1 }, 'hidden');
    logger.info('hidden too');
    logger.warn({ b: 2 }, 'shown');
    logger.child({ component: 'x' }).error('shown with a binding');
    expect(lines.map((l) => [l.level, l.msg, l.b ?? l.component])).toEqual([
      [LEVEL.warn, 'shown', 2],
      [LEVEL.error, 'shown with a binding', 'x'],
    ]);
  });

  it('the default logger discards everything, in both call forms and through children', () => {
    const child = silentLogger.child({ component: 'peers' });
    for (const l of [silentLogger, child]) {
      for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
        expect(l[level]({ field: 1 }, 'message')).toBeUndefined();
        expect(l[level]('message')).toBeUndefined();
      }
    }
    expect(child).toBe(silentLogger);
    expect(Object.isFrozen(silentLogger)).toBe(true);
  });
});
