import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type QueuedTimer, TimerQueue } from './timer-queue.js';

const timer = (due: number, seq: number): QueuedTimer => ({ due, seq, callback: () => {}, state: 'queued' });

describe('TimerQueue', () => {
  it('returns timers by due time, then by scheduling order, and never a cancelled one', () => {
    // Model: a list sorted by (due, seq), cancelled timers removed from it at once.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), due: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const queue = new TimerQueue();
        const model: QueuedTimer[] = [];
        const all: QueuedTimer[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const t = timer(o.due, seq++);
            all.push(t);
            queue.push(t);
            model.push(t);
            model.sort((a, b) => a.due - b.due || a.seq - b.seq);
          } else if (o.kind === 'cancel') {
            const t = all[o.pick % Math.max(1, all.length)];
            if (!t) continue;
            queue.cancel(t);
            const at = model.indexOf(t);
            if (at >= 0) model.splice(at, 1);
          } else {
            expect(queue.peek()).toBe(model[0]);
            expect(queue.pop()).toBe(model.shift());
          }
          expect(queue.size).toBe(model.length);
        }
        while (model.length > 0) expect(queue.pop()).toBe(model.shift());
        expect(queue.pop()).toBeUndefined();
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });

  it('cancelling a taken timer changes nothing; a cancelled one lets go of its callback', () => {
    const queue = new TimerQueue();
    const a = timer(1, 0);
    const b = timer(2, 1);
    queue.push(a);
    queue.push(b);
    expect(queue.pop()).toBe(a);
    queue.cancel(a);
    expect(a.state).toBe('taken');
    expect(queue.size).toBe(1);
    const callback = b.callback;
    queue.cancel(b);
    expect(b.callback).not.toBe(callback);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
  });

  it('holds a bounded number of cancelled timers however many are scheduled and cancelled', () => {
    // A server sets a deadline per request and cancels it when the request ends: with a
    // clock that does not advance (a test), the cancelled deadlines must not pile up.
    const queue = new TimerQueue();
    const live = timer(Number.MAX_SAFE_INTEGER, 0);
    queue.push(live);
    for (let i = 1; i <= 200_000; i++) {
      const t = timer(10_000 + i, i);
      queue.push(t);
      queue.cancel(t);
      expect(queue.stored).toBeLessThanOrEqual(2 * queue.size + 1_025);
    }
    expect(queue.size).toBe(1);
    expect(queue.pop()).toBe(live);
  });
});
