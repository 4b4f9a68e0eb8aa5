import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { DEFAULT_TUNING } from './options.js';

const tuning = { windowMs: 10_000, minSamples: 6, minPeers: 3, failureRatio: 0.5 };

describe('CircuitBreaker', () => {
  it('opens when most recent outcomes across most peers are failures', () => {
    const b = new CircuitBreaker(tuning);
    for (const p of ['a', 'b', 'c', 'd']) b.record(0, p, true);
    b.record(0, 'e', false);
    expect(b.evaluate(0).state.state).toBe('closed'); // 5 samples < minSamples
    b.record(0, 'a', true);
    const r = b.evaluate(0);
    expect(r.changed).toBe(true);
    expect(r.state).toMatchObject({ state: 'open', sinceMs: 0, failingPeers: 4, samples: 6 });
  });

  it('stays closed when one peer fails a lot (that peer is the problem, not us)', () => {
    const b = new CircuitBreaker(tuning);
    for (let i = 0; i < 20; i++) b.record(i, 'bad', true);
    for (const p of ['a', 'b']) b.record(20, p, false);
    expect(b.evaluate(20).state.state).toBe('closed');
  });

  it('stays closed while failures are a minority', () => {
    const b = new CircuitBreaker(tuning);
    for (const p of ['a', 'b', 'c']) b.record(0, p, true);
    for (const p of ['d', 'e', 'f', 'g']) b.record(0, p, false);
    expect(b.evaluate(0).state.state).toBe('closed');
  });

  it('returns the penalties taken in the window once, when it opens', () => {
    const b = new CircuitBreaker(tuning);
    const first = b.record(0, 'a', true);
    first.penalty = 1;
    for (const p of ['b', 'c', 'd', 'e', 'f']) b.record(1, p, true);
    const r = b.evaluate(1);
    expect(r.refunds.map((s) => [s.peer, s.penalty])).toEqual([['a', 1]]);
    expect(first.penalty).toBe(0);
  });

  it('closes when successes dominate the window again, or failures stop', () => {
    const b = new CircuitBreaker(tuning);
    for (const p of ['a', 'b', 'c', 'd', 'e', 'f']) b.record(0, p, true);
    expect(b.evaluate(0).state.state).toBe('open');
    for (const p of ['a', 'b', 'c']) b.record(5_000, p, false);
    expect(b.evaluate(5_000).state.state).toBe('open'); // 6 of 9 failed
    for (const p of ['d', 'e', 'f', 'g']) b.record(6_000, p, false);
    expect(b.evaluate(6_000)).toMatchObject({ changed: true, state: { state: 'closed' } }); // 6 of 13
  });

  it('closes after the window passes without failures', () => {
    const b = new CircuitBreaker(tuning);
    for (const p of ['a', 'b', 'c', 'd', 'e', 'f']) b.record(0, p, true);
    expect(b.evaluate(0).state.state).toBe('open');
    expect(b.evaluate(DEFAULT_TUNING.circuitBreaker.windowMs + 1)).toMatchObject({
      changed: true,
      state: { state: 'closed' },
    });
  });
});
