import { describe, expect, it } from 'vitest';
import { AbortedError } from '../errors.js';
import { every, sleep } from './clock.js';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('fires nothing until advanced, then timers in order of due time and scheduling', () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c@30'), 30);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('b@10'), 10);
    clock.setTimeout(() => fired.push('d@0'), 0);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(4);
    clock.advance(9);
    expect(fired).toEqual(['d@0']);
    expect(clock.now()).toBe(1_009);
    clock.advance(21);
    expect(fired).toEqual(['d@0', 'a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(1_030);
  });

  it('reports time as the due time inside a callback and runs timers scheduled within the window', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 10);
    clock.advance(100);
    expect(seen).toEqual([10, 15]);
    expect(clock.now()).toBe(100);
  });

  it('does not fire cancelled timers', () => {
    const clock = new ManualClock();
    let fired = false;
    const t = clock.setTimeout(() => {
      fired = true;
    }, 5);
    t.cancel();
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('jumps to the next timer with runNext', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), 500);
    expect(clock.nextTimerAt()).toBe(500);
    expect(clock.runNext()).toBe(true);
    expect(fired).toEqual([1]);
    expect(clock.now()).toBe(500);
    expect(clock.runNext()).toBe(false);
  });

  it('drives sleep, every and abort through advanceAsync', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const task = (async () => {
      await sleep(clock, 100);
      log.push(`woke@${clock.now()}`);
      await sleep(clock, 50);
      log.push(`woke@${clock.now()}`);
    })();
    const ticks: number[] = [];
    const ticker = every(clock, 40, () => ticks.push(clock.now()));
    await clock.advanceAsync(149);
    expect(log).toEqual(['woke@100']);
    await clock.advanceAsync(1);
    await task;
    expect(log).toEqual(['woke@100', 'woke@150']);
    expect(ticks).toEqual([40, 80, 120]);
    ticker.cancel();
    await clock.advanceAsync(200);
    expect(ticks).toEqual([40, 80, 120]);

    const controller = new AbortController();
    const aborted = sleep(clock, 1_000, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
  });

  it('refuses to go backwards', () => {
    expect(() => new ManualClock().advance(-1)).toThrow();
  });
});

describe('ManualClock time units', () => {
  it('rounds delays up to whole milliseconds, so now() stays an integer and nothing fires early', () => {
    const clock = new ManualClock(100);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 2.3);
    clock.advance(2);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([103]);
    expect(Number.isInteger(clock.now())).toBe(true);
  });
});
