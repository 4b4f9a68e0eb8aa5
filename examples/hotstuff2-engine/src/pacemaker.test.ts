import { ManualClock, SeededRandom } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { Pacemaker } from './pacemaker.js';

function setup(jitter = 0) {
  const clock = new ManualClock(0);
  const fired: [number, number][] = [];
  const pacemaker = new Pacemaker(
    clock,
    new SeededRandom(1),
    { baseTimeoutMs: 100, maxTimeoutMs: 800, backoff: 2, jitter },
    (view) => fired.push([view, clock.now()]),
  );
  return { clock, fired, pacemaker };
}

describe('Pacemaker', () => {
  it('times each view; a new view cancels the old timer; views never go back', () => {
    const { clock, fired, pacemaker } = setup();
    expect(pacemaker.enter(5)).toBe(true);
    clock.advance(99);
    expect(pacemaker.enter(6)).toBe(true);
    expect(pacemaker.enter(4)).toBe(false);
    expect(pacemaker.enter(6)).toBe(false);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([[6, 199]]);
    expect(pacemaker.view()).toBe(6);
  });

  it('backs off exponentially on consecutive timeouts up to the ceiling; progress resets it', () => {
    const { clock, fired, pacemaker } = setup();
    pacemaker.enter(1);
    for (let view = 1; view <= 6; view++) {
      clock.advance(pacemaker.timeoutMs());
      expect(fired[fired.length - 1]![0]).toBe(view);
      pacemaker.recordTimeout();
      pacemaker.enter(view + 1);
    }
    expect(fired.map(([, at], i) => at - (i === 0 ? 0 : fired[i - 1]![1]))).toEqual([
      100, 200, 400, 800, 800, 800,
    ]);
    pacemaker.progress();
    expect(pacemaker.timeoutMs()).toBe(100);
    expect(pacemaker.timeouts()).toBe(0);
  });

  it('stop silences the timer; entering again (even the same view) re-arms it', () => {
    const { clock, fired, pacemaker } = setup();
    pacemaker.enter(3);
    pacemaker.stop();
    clock.advance(1_000);
    expect(fired).toEqual([]);
    expect(pacemaker.enter(3)).toBe(true);
    clock.advance(100);
    expect(fired).toEqual([[3, 1_100]]);
  });

  it('jitter spreads timers by at most the configured share', () => {
    const { clock, fired, pacemaker } = setup(0.5);
    for (let view = 1; view <= 20; view++) {
      const start = clock.now();
      pacemaker.enter(view);
      clock.advance(200);
      const at = fired[fired.length - 1]![1] - start;
      expect(at).toBeGreaterThanOrEqual(100);
      expect(at).toBeLessThanOrEqual(150);
    }
    expect(new Set(fired.map(([, at], i) => at - (i === 0 ? 0 : i * 200))).size).toBeGreaterThan(1);
  });
});
