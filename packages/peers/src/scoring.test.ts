import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNING } from './options.js';
import { PeerScore, standingOf } from './scoring.js';

const t = DEFAULT_TUNING.scoring;
const HALF = t.halfLifeMs;

describe('PeerScore', () => {
  it('takes the configured points per level and drops to the floor on fatal', () => {
    const s = new PeerScore(t, 0);
    expect(s.penalize(0, 'low', 'liveness')).toBe(t.points.low);
    expect(s.penalize(0, 'mid', 'liveness')).toBe(t.points.mid);
    expect(s.penalize(0, 'high', 'misbehaviour')).toBe(t.points.high);
    expect(s.total(0)).toBe(-(t.points.low + t.points.mid + t.points.high));
    s.penalize(0, 'fatal', 'misbehaviour');
    expect(s.total(0)).toBe(t.minScore);
    expect(s.standing(0)).toBe('ban');
  });

  it('decays toward neutral with the half-life', () => {
    const s = new PeerScore(t, 0);
    s.penalize(0, 'high', 'misbehaviour');
    s.penalize(0, 'high', 'misbehaviour');
    expect(s.total(0)).toBe(-20);
    expect(s.total(HALF)).toBeCloseTo(-10, 9);
    expect(s.total(4 * HALF)).toBeCloseTo(-1.25, 9);
    s.reward(4 * HALF);
    expect(s.total(10 * HALF)).toBeCloseTo((-1.25 + t.reward) / 64, 9);
  });

  it('caps credit, and credit never offsets misbehaviour', () => {
    const s = new PeerScore(t, 0);
    for (let i = 0; i < 1_000; i++) s.reward(0);
    expect(s.total(0)).toBe(t.maxScore);
    for (let i = 0; i < 5; i++) s.penalize(0, 'high', 'misbehaviour');
    // Total is -30 (credit +20 minus 50) but the misbehaviour component alone reached the threshold.
    expect(s.total(0)).toBe(t.maxScore - 5 * t.points.high);
    expect(s.standing(0)).toBe('ban');
  });

  it('stops liveness penalties at a floor, without raising a score already below it', () => {
    const s = new PeerScore(t, 0);
    for (let i = 0; i < 200; i++) s.penalize(0, 'low', 'liveness', -27.5);
    expect(s.total(0)).toBe(-27.5);
    expect(s.standing(0)).toBe('resting');
    const u = new PeerScore(t, 0);
    for (let i = 0; i < 3; i++) u.penalize(0, 'high', 'misbehaviour');
    expect(u.penalize(0, 'low', 'liveness', -27.5)).toBe(0);
    expect(u.total(0)).toBe(-30);
  });

  it('refund gives points back', () => {
    const s = new PeerScore(t, 0);
    s.penalize(0, 'low', 'liveness');
    s.refund(0, 'liveness', t.points.low);
    expect(s.total(0)).toBe(0);
  });
});

describe('standingOf', () => {
  it('applies the thresholds inclusively, worst first', () => {
    expect(standingOf(0, 0, t)).toBe('usable');
    expect(standingOf(t.useThreshold + 0.01, 0, t)).toBe('usable');
    expect(standingOf(t.useThreshold, 0, t)).toBe('resting');
    expect(standingOf(t.disconnectThreshold, 0, t)).toBe('disconnect');
    expect(standingOf(t.banThreshold, 0, t)).toBe('ban');
    expect(standingOf(0, t.banThreshold, t)).toBe('ban');
  });
});
