import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { pausableTimeout } from './pausable-timer.js';

describe('pausableTimeout', () => {
  it('fires after its delay of running time: paused time does not count', () => {
    const clock = new ManualClock();
    let firedAt: number | undefined;
    const timer = pausableTimeout(clock, () => (firedAt = clock.now()), 100);
    clock.advance(60);
    timer.pause();
    timer.pause(); // idempotent
    clock.advance(1_000);
    expect(firedAt).toBeUndefined();
    timer.resume();
    timer.resume();
    clock.advance(39);
    expect(firedAt).toBeUndefined();
    clock.advance(1);
    expect(firedAt).toBe(1_100);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never fires once cancelled, paused or not, and a resume after firing does nothing', () => {
    const clock = new ManualClock();
    let fired = 0;
    const a = pausableTimeout(clock, () => fired++, 10);
    a.pause();
    a.cancel();
    a.resume();
    const b = pausableTimeout(clock, () => fired++, 10);
    clock.advance(10);
    b.resume();
    b.pause();
    b.resume();
    clock.advance(100);
    expect(fired).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});
