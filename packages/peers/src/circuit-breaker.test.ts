import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { DEFAULT_TUNING } from './options.js';

const tuning = { windowMs: 10_000, minSamples: 6, minPeers: 3, failureRatio: 0.5 };

describe('CircuitBreaker', () => {
  it('opens when most recent outcomes across most peers are failures', () => {
    const b = new CircuitBreaker(tuning);
    b.record(0, 'e', false); // before the failures: no witness that the outage is over
    for (const p of ['a', 'b', 'c', 'd']) b.record(0, p, true);
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

  it("stays closed while a peer gets through after the failures began (the failures are the peers' own)", () => {
    const b = new CircuitBreaker(tuning);
    b.record(0, 'a', true);
    b.record(0, 'honest', false); // a success after the first failure: a witness
    for (const p of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) b.record(0, p, true);
    expect(b.evaluate(0).state.state).toBe('closed');
    b.record(1, 'honest', true); // the witness failed too: nobody gets through any more
    expect(b.evaluate(1).state.state).toBe('open');
  });

  it('closes when a peer gets through again, or failures stop dominating', () => {
    const b = new CircuitBreaker(tuning);
    for (const p of ['a', 'b', 'c', 'd', 'e', 'f']) b.record(0, p, true);
    expect(b.evaluate(0).state.state).toBe('open');
    b.record(5_000, 'a', true);
    expect(b.evaluate(5_000).state.state).toBe('open'); // still nobody through
    b.record(5_500, 'b', false);
    expect(b.evaluate(5_500)).toMatchObject({ changed: true, state: { state: 'closed' } }); // b got through
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
