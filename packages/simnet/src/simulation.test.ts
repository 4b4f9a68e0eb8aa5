import { sleep } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { Simulation } from './simulation.js';

describe('Simulation', () => {
  it('runs async code that awaits between timers, in virtual time, to a condition', async () => {
    const sim = new Simulation({ seed: 1, startTimeMs: 0 });
    const seen: number[] = [];
    const worker = async () => {
      for (let i = 0; i < 5; i++) {
        await sleep(sim.clock, 100);
        await Promise.resolve(); // reactions between timers settle before the next jump
        seen.push(sim.clock.now());
      }
    };
    void worker();
    const run = await sim.run({ deadlineMs: 10_000, until: () => seen.length === 3 });
    expect(run).toEqual({ endedBy: 'condition', atMs: 300, steps: 3 });
    expect(await sim.run({ deadlineMs: 10_000 })).toMatchObject({ endedBy: 'idle', atMs: 500 });
    expect(seen).toEqual([100, 200, 300, 400, 500]);
  });

  it('stops at the deadline and at the step limit, and fails on a timer loop that never lets time move', async () => {
    const sim = new Simulation({ seed: 1, startTimeMs: 0, maxTimersPerInstant: 1_000 });
    sim.clock.setTimeout(() => undefined, 5_000);
    expect(await sim.run({ deadlineMs: 1_000 })).toEqual({ endedBy: 'deadline', atMs: 1_000, steps: 0 });
    const tick = () => sim.clock.setTimeout(tick, 1);
    tick();
    expect(await sim.run({ deadlineMs: 2_000_000, maxSteps: 50 })).toEqual({
      endedBy: 'step-limit',
      atMs: 1_050,
      steps: 50,
    });
    const spin = () => sim.clock.setTimeout(spin, 0);
    spin();
    await expect(sim.run({ deadlineMs: 2_000_000 })).rejects.toThrow(
      /more than 1000 timers fired at one instant.*seed 1/,
    );
  });

  it('gives each named component its own stream: the same for one seed, independent of the others', () => {
    const a = new Simulation({ seed: 42 });
    const b = new Simulation({ seed: 42 });
    const draws = (s: Simulation, ...labels: string[]) =>
      Array.from({ length: 4 }, () => s.randomFor(...labels).float());
    b.randomFor('something', 'else').float(); // drawing elsewhere changes nothing
    expect(draws(b, 'link', 'x', 'y')).toEqual(draws(a, 'link', 'x', 'y'));
    expect(a.randomFor('link', 'x', 'y').float()).not.toBe(a.randomFor('link', 'xy', '').float());
    expect(new Simulation({ seed: 43 }).randomFor('n').float()).not.toBe(a.randomFor('n').float());
    expect(() => new Simulation({ seed: -7 }).randomFor('n')).not.toThrow();
  });

  it('reports an exception thrown in a timer with the seed', async () => {
    const sim = new Simulation({ seed: 77, startTimeMs: 0 });
    sim.clock.setTimeout(() => {
      throw new Error('kaput');
    }, 10);
    await expect(sim.run({ deadlineMs: 100 })).rejects.toThrow(/kaput.*seed 77/);
  });
});
