import { describe, expect, it } from 'vitest';
import { planRotation, type RotationPeer } from './rotation.js';

const peer = (id: string, over: Partial<RotationPeer> = {}): RotationPeer => ({
  id,
  trusted: false,
  usable: true,
  stale: false,
  tried: true,
  score: 0,
  ...over,
});

describe('planRotation', () => {
  it('fills free seats, trusted first, then untried, then by score', () => {
    const plan = planRotation({
      active: [],
      candidates: [peer('old', { score: 3 }), peer('new', { tried: false }), peer('t', { trusted: true })],
      maxActive: 2,
      swaps: 1,
    });
    expect(plan.add.slice(0, 2)).toEqual(['t', 'new']);
  });

  it('replaces the worst active peer with a better candidate, at most `swaps` per round', () => {
    const plan = planRotation({
      active: [peer('good', { score: 5 }), peer('meh', { score: -3 }), peer('bad', { score: -8 })],
      candidates: [peer('u1', { tried: false }), peer('u2', { tried: false })],
      maxActive: 3,
      swaps: 1,
    });
    expect(plan).toEqual({ add: ['u1'], remove: ['bad'] });
  });

  it('does not swap a working peer for a worse candidate', () => {
    const plan = planRotation({
      active: [peer('ok', { score: 1 })],
      candidates: [peer('recovering', { score: -5 })],
      maxActive: 1,
      swaps: 3,
    });
    expect(plan).toEqual({ add: [], remove: [] });
  });

  it('replaces dead weight (unusable or stale) beyond the swap budget, never a trusted peer', () => {
    const plan = planRotation({
      active: [
        peer('trusted-but-bad', { trusted: true, usable: false, score: -30 }),
        peer('resting', { usable: false, score: -25 }),
        peer('stale', { stale: true, score: 2 }),
      ],
      candidates: [peer('a', { tried: false }), peer('b', { tried: false }), peer('c', { tried: false })],
      maxActive: 3,
      swaps: 0,
    });
    expect(plan.remove).toEqual(['resting', 'stale']);
    expect(plan.add).toEqual(['a', 'b']);
  });

  it('keeps a bad peer when nobody can replace it (the active set never shrinks)', () => {
    const plan = planRotation({
      active: [peer('resting', { usable: false })],
      candidates: [peer('also-resting', { usable: false })],
      maxActive: 4,
      swaps: 1,
    });
    expect(plan).toEqual({ add: [], remove: [] });
  });
});
