import { describe, expect, it } from 'vitest';
import { COUNTS } from './counts.js';
import { formatFailure, formatSummary, replayCommand, runSeed, runSweep, type SeedResult } from './sweep.js';
import { parseSweepArgs, SweepArgsError } from './sweep-args.js';
import { checkInvariants } from './sweep-invariants.js';
import type { SeedObservation } from './sweep-run.js';
import { generateScenario, MAX_OUTAGE_MS } from './sweep-scenario.js';

/*
 * Issue 11, simulation sweep: `COUNTS.sweepSeeds` random simnet scenarios (200 in CI) run
 * through the same function as `pnpm sim`, every invariant holding on every seed.
 */

describe('simulation sweep', () => {
  it(`${COUNTS.sweepSeeds} random scenarios keep every invariant`, async () => {
    const failures: string[] = [];
    const summary = await runSweep({
      from: 1,
      seeds: COUNTS.sweepSeeds,
      onResult: (r) => {
        if (r.violations.length > 0) failures.push(formatFailure(r));
      },
    });
    console.log(formatSummary(summary));
    expect(failures, failures.join('\n')).toEqual([]);
    expect(summary.seeds).toBe(COUNTS.sweepSeeds);
    expect(summary.passed).toBe(COUNTS.sweepSeeds);
  }, 600_000);

  it('generates the same scenario from the same seed, and keeps the promises the design makes', () => {
    let staleMajorities = 0;
    for (let seed = 0; seed < 2_000; seed++) {
      const s = generateScenario(seed);
      expect(generateScenario(seed)).toEqual(s);
      // One honest peer that serves the whole chain, online from the start, never gone for good.
      expect(s.honest[0]).toEqual({ id: 'honest0' });
      for (const e of s.events) {
        if (e.kind === 'late-join') expect(e.peer).not.toBe('honest0');
        if (e.kind === 'churn' && e.peer.startsWith('honest')) {
          expect(e.rejoinAtMs).toBeDefined();
          expect(e.rejoinAtMs! - e.atMs).toBeLessThanOrEqual(MAX_OUTAGE_MS);
        }
        if (e.kind === 'partition') expect(e.healAtMs - e.atMs).toBeLessThanOrEqual(MAX_OUTAGE_MS);
      }
      // Honest laggards may outnumber the full peers (the target is the highest proven
      // height); the sweep must actually draw such scenarios.
      const lagging = s.honest.filter((h) => h.upToHeight !== undefined).length;
      if (lagging >= s.honest.length - lagging) staleMajorities++;
      if (s.strategy === 'fast') expect(s.chain.snapshotHeights.length).toBeGreaterThan(0);
    }
    expect(staleMajorities).toBeGreaterThan(50);
  });

  it('replays a seed exactly: the same events, penalties and end (what `pnpm sim --seed S` relies on)', async () => {
    for (const seed of [3, 7, 11]) {
      const [a, b] = [await runSeed(seed), await runSeed(seed)];
      expect(a.observation).toBeDefined();
      expect({ ...b.observation, realMs: 0 }).toEqual({ ...a.observation, realMs: 0 });
      expect(b.violations).toEqual(a.violations);
    }
  }, 120_000);

  describe('the checker and its report', () => {
    // A run that went wrong in every way the invariants cover (fabricated, not simulated).
    const bad: SeedObservation = {
      seed: 4242,
      endedBy: 'deadline',
      traceDigest: '00'.repeat(32),
      virtualMs: 300_000,
      realMs: 10,
      chainTip: { height: 500, hash: 'aa'.repeat(32), stateRoot: 'bb'.repeat(32) },
      tip: { height: 480, hash: 'cc'.repeat(32) },
      state: { height: 480, root: 'dd'.repeat(32) },
      restarts: 0,
      phase: 'failed',
      phases: ['discovering', 'downloading-blocks', 'failed'],
      invalidStored: { count: 2, heights: [300, 301] },
      storedBlocks: 481,
      honestIds: ['honest0', 'honest1'],
      penalties: [
        { atMs: 10, node: 'me', peer: 'honest1', level: 'low', reason: 'request:timeout' },
        { atMs: 20, node: 'me', peer: 'honest0', level: 'fatal', reason: 'invalid-data:qc.signature' },
        {
          atMs: 25,
          node: 'me',
          peer: 'honest1',
          level: 'low',
          reason: 'invalid-data:state.root at height 7',
        },
        { atMs: 30, node: 'me', peer: 'byz0', level: 'fatal', reason: 'invalid-data:qc.signature' },
      ],
      bans: [{ atMs: 40, node: 'me', peer: 'honest0', reason: 'score', untilMs: 100_000 }],
      errors: [{ node: 'me', code: 'x.y', message: 'boom' }],
      window: {
        configured: { ranges: 4, blocks: 4 * 132 },
        sampled: true,
        limits: { ranges: 4, blocks: 4 * 132 },
        highWater: { ranges: 4, reservedBlocks: 528, heldBlocks: 600 },
      },
    };

    it('names every broken invariant', () => {
      const names = checkInvariants(bad).map((v) => v.invariant);
      expect(names).toEqual([
        'converges',
        'no-invalid-block',
        'honest-not-banned',
        'honest-not-blamed',
        'bounded-memory',
        'no-simulation-error',
      ]);
      const blamed = checkInvariants(bad).find((v) => v.invariant === 'honest-not-blamed')!;
      // Bad data pinned on an honest peer is blame, whatever its level; a timeout is not,
      // and a Byzantine peer's penalties are its own business.
      expect(blamed.detail).toContain('honest0 fatal at 20 ms: invalid-data:qc.signature');
      expect(blamed.detail).toContain('honest1 low at 25 ms: invalid-data:state.root');
      expect(blamed.detail).not.toContain('request:timeout');
      expect(blamed.detail).not.toContain('byz0');
    });

    it('passes a clean observation', () => {
      const good: SeedObservation = {
        ...bad,
        endedBy: 'condition',
        tip: { height: 500, hash: bad.chainTip.hash },
        state: { height: 500, root: bad.chainTip.stateRoot },
        phase: 'synced',
        invalidStored: { count: 0, heights: [] },
        penalties: bad.penalties.filter((p) => p.peer === 'byz0' || p.reason === 'request:timeout'),
        bans: [],
        errors: [],
        window: { ...bad.window, highWater: { ranges: 4, reservedBlocks: 500, heldBlocks: 400 } },
      };
      expect(checkInvariants(good)).toEqual([]);
    });

    it('prints the seed, the scenario, the broken invariant and the command that replays it', () => {
      const result: SeedResult = {
        seed: bad.seed,
        scenario: generateScenario(bad.seed),
        violations: checkInvariants(bad),
        observation: bad,
        realMs: 10,
      };
      const text = formatFailure(result);
      expect(text).toMatch(/^FAIL seed 4242: converges, no-invalid-block/);
      expect(text).toContain('heights 300, 301');
      expect(text).toContain(`chain ${result.scenario.chain.name}`);
      expect(text).toContain('replay: pnpm sim --seed 4242');
      expect(replayCommand(4242)).toBe('pnpm sim --seed 4242');
      const summary = formatSummary({
        from: 4242,
        seeds: 1,
        passed: 0,
        failed: [result],
        realMs: 10,
        virtualMs: 300_000,
        mix: { 'strategy:parallel': 1 },
        heap: { beforeBytes: 1e6, afterBytes: 2e6 },
        restartedSeeds: 0,
        slowest: { seed: 4242, realMs: 10 },
      });
      expect(summary).toContain('1 run, 0 passed, 1 failed');
      expect(summary).toContain('failed seeds: 4242');
    });
  });

  describe('command line', () => {
    it('parses the flags', () => {
      expect(parseSweepArgs([])).toEqual({ kind: 'range', from: 1, seeds: 200 });
      expect(parseSweepArgs(['--seeds', '1000', '--from', '50'])).toEqual({
        kind: 'range',
        from: 50,
        seeds: 1000,
      });
      expect(parseSweepArgs(['--seeds=7'])).toEqual({ kind: 'range', from: 1, seeds: 7 });
      expect(parseSweepArgs(['--seed', '17'])).toEqual({ kind: 'one', seed: 17 });
      expect(parseSweepArgs(['--help'])).toEqual({ kind: 'help' });
    });

    it.each([
      [['--seeds', 'ten'], 'sweep.invalid-value', '--seeds needs a whole number'],
      [['--seeds', '0'], 'sweep.invalid-value', '--seeds must be an integer >= 1'],
      [['--from=-3'], 'sweep.invalid-value', '--from needs a whole number'],
      [['--from', '-3'], 'sweep.bad-flag', '--from'],
      [['--seed', '1.5'], 'sweep.invalid-value', '--seed needs a whole number'],
      [['--seed', '3', '--seeds', '5'], 'sweep.conflicting-flags', 'do not combine'],
      [['--sedes', '5'], 'sweep.bad-flag', "'--sedes'"],
      [['extra'], 'sweep.bad-flag', 'extra'],
      [['--seeds'], 'sweep.bad-flag', '--seeds'],
    ])('refuses %j', (argv, code, message) => {
      const err = (() => {
        try {
          parseSweepArgs(argv);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(SweepArgsError);
      expect((err as SweepArgsError).code).toBe(code);
      expect((err as SweepArgsError).message).toContain(message);
    });
  });
});
