import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.js';
import { ProgressTracker } from './progress-tracker.js';

/** Advances the clock one second at a time, reporting `perSecond[i]` items in second i. */
function feed(clock: ManualClock, tracker: ProgressTracker, perSecond: readonly number[]): void {
  for (const n of perSecond) {
    clock.advance(1_000);
    tracker.advance(n);
  }
}

function setup(total = 10_000) {
  const clock = new ManualClock(0);
  const tracker = new ProgressTracker({ clock, windowMs: 10_000, stallAfterMs: 5_000 });
  tracker.plan([
    { name: 'snapshot', total: 100 },
    { name: 'blocks', total },
  ]);
  return { clock, tracker };
}

describe('ProgressTracker', () => {
  it('steady: rate over the window, ETA from it, trend steady', () => {
    const { clock, tracker } = setup();
    tracker.startPhase('blocks', 10_000);
    feed(clock, tracker, Array(20).fill(100));
    const f = tracker.currentFigures();
    expect(f.done).toBe(2_000);
    expect(f.fraction).toBeCloseTo(0.2);
    expect(f.ratePerSec).toBeCloseTo(100);
    expect(f.etaMs).toBeCloseTo(80_000);
    expect(f.trend).toBe('steady');
  });

  it('accelerating: the recent half of the window is faster', () => {
    const { clock, tracker } = setup();
    tracker.startPhase('blocks', 100_000);
    feed(clock, tracker, [10, 10, 10, 10, 10, 10, 20, 40, 80, 160, 320, 640]);
    const f = tracker.currentFigures();
    expect(f.trend).toBe('accelerating');
    // Window = last 10 s: seconds 3..12.
    expect(f.ratePerSec).toBeCloseTo((10 * 4 + 20 + 40 + 80 + 160 + 320 + 640) / 10);
  });

  it('slowing: the recent half of the window is slower', () => {
    const { clock, tracker } = setup();
    tracker.startPhase('blocks', 100_000);
    feed(clock, tracker, [500, 500, 500, 500, 500, 400, 300, 100, 50, 20, 10, 5]);
    expect(tracker.currentFigures().trend).toBe('slowing');
  });

  it('stalled: no progress for stallAfterMs, ETA unknown, the stall signal fires once', () => {
    const { clock, tracker } = setup();
    tracker.startPhase('blocks', 10_000);
    const stalls: number[] = [];
    tracker.onStall((since) => stalls.push(since));
    feed(clock, tracker, Array(5).fill(100));
    clock.advance(4_999);
    expect(tracker.isStalled()).toBe(false);
    expect(stalls).toEqual([]);
    clock.advance(1);
    expect(stalls).toEqual([5_000]);
    expect(tracker.currentFigures().trend).toBe('stalled');
    clock.advance(20_000);
    expect(stalls).toEqual([5_000]);
    const f = tracker.currentFigures();
    expect(f.ratePerSec).toBe(0);
    expect(f.etaMs).toBeUndefined();
    // Progress resumes, then stalls again: one more signal.
    tracker.advance(10);
    clock.advance(5_000);
    expect(stalls).toEqual([5_000, 5_000]);
    tracker.stop();
  });

  it('tracks phases done and remaining and overall figures', () => {
    const { clock, tracker } = setup(1_000);
    tracker.startPhase('snapshot', 100);
    feed(clock, tracker, [50, 50]);
    tracker.completePhase();
    tracker.startPhase('blocks', 1_000);
    feed(clock, tracker, [200]);
    const r = tracker.report();
    expect(r.phase).toBe('blocks');
    expect(r.phasesDone).toEqual(['snapshot']);
    expect(r.phasesRemaining).toEqual([]);
    expect(r.overall.done).toBe(300);
    expect(r.overall.total).toBe(1_100);
    expect(r.current.done).toBe(200);
    tracker.completePhase();
    expect(tracker.report().overall.fraction).toBe(1);
    expect(tracker.currentFigures().etaMs).toBe(0);
  });

  it('lists pending phases before they start and follows a moving target', () => {
    const { clock, tracker } = setup();
    expect(tracker.report().phasesRemaining).toEqual(['snapshot', 'blocks']);
    tracker.startPhase('blocks', 500);
    clock.advance(1_000);
    tracker.update(400);
    tracker.setTotal(800);
    expect(tracker.currentFigures().fraction).toBeCloseTo(0.5);
  });
});
