import type { PenaltyLevel } from '@hotsync/core';
import { assertNever } from './assert-never.js';
import { DecayingValue } from './decay.js';
import type { PeerTuning } from './options.js';
import type { PenaltyClass } from './penalties.js';

/** Where a score stands against the thresholds, worst last. */
export type ScoreStanding =
  /** Selected as usual. */
  | 'usable'
  /** Not selected until decay lifts the score above `useThreshold`. */
  | 'resting'
  /** The connection should be closed (the network layer acts on it). */
  | 'disconnect'
  /** To be banned. */
  | 'ban';

type ScoringTuning = PeerTuning['scoring'];

/**
 * A peer's score: two components, both decaying toward neutral (0) with the same half-life.
 * `liveness` takes rewards for useful responses and penalties for liveness faults, within
 * [minScore, maxScore]; `misbehaviour` takes penalties for bad data only, within
 * [minScore, 0], so credit earned by serving well never offsets forged data. The score is
 * their sum.
 */
export class PeerScore {
  private readonly liveness: DecayingValue;
  private readonly misbehaviour: DecayingValue;

  constructor(
    private readonly tuning: ScoringTuning,
    nowMs: number,
  ) {
    this.liveness = new DecayingValue(tuning.halfLifeMs, nowMs);
    this.misbehaviour = new DecayingValue(tuning.halfLifeMs, nowMs);
  }

  total(nowMs: number): number {
    const t = this.liveness.get(nowMs) + this.misbehaviour.get(nowMs);
    return Math.min(this.tuning.maxScore, Math.max(this.tuning.minScore, t));
  }

  components(nowMs: number): { readonly liveness: number; readonly misbehaviour: number } {
    return { liveness: this.liveness.get(nowMs), misbehaviour: this.misbehaviour.get(nowMs) };
  }

  /** Points a level takes (fatal takes everything there is). */
  pointsFor(level: PenaltyLevel): number {
    switch (level) {
      case 'fatal':
        return this.tuning.maxScore - this.tuning.minScore;
      case 'high':
        return this.tuning.points.high;
      case 'mid':
        return this.tuning.points.mid;
      case 'low':
        return this.tuning.points.low;
      default:
        return assertNever(level);
    }
  }

  /**
   * Applies a penalty; returns the points actually taken (less than asked at a floor).
   * `floor`, for liveness only: the total is not pushed below it (trusted peers are never
   * disconnected or banned for being slow).
   */
  penalize(nowMs: number, level: PenaltyLevel, penaltyClass: PenaltyClass, floor?: number): number {
    const { minScore } = this.tuning;
    if (level === 'fatal') {
      const before = this.total(nowMs);
      this.misbehaviour.set(nowMs, minScore);
      this.liveness.set(nowMs, Math.min(0, this.liveness.get(nowMs)));
      return before - this.total(nowMs);
    }
    const points = this.pointsFor(level);
    switch (penaltyClass) {
      case 'misbehaviour':
        return 0 - this.misbehaviour.add(nowMs, -points, minScore, 0);
      case 'liveness': {
        let lowest = minScore;
        if (floor !== undefined) {
          const current = this.liveness.get(nowMs);
          // Never below the floor, and never up: a score already under it stays where it is.
          lowest = Math.min(current, floor - this.misbehaviour.get(nowMs));
        }
        return 0 - this.liveness.add(nowMs, -points, lowest, this.tuning.maxScore);
      }
      default:
        return assertNever(penaltyClass);
    }
  }

  /** Gives back `points` taken earlier from a component (the circuit breaker's refund). */
  refund(nowMs: number, penaltyClass: PenaltyClass, points: number): void {
    const target = penaltyClass === 'liveness' ? this.liveness : this.misbehaviour;
    target.add(nowMs, points, this.tuning.minScore, penaltyClass === 'liveness' ? this.tuning.maxScore : 0);
  }

  reward(nowMs: number, points: number = this.tuning.reward): void {
    this.liveness.add(nowMs, points, this.tuning.minScore, this.tuning.maxScore);
  }

  standing(nowMs: number): ScoreStanding {
    return standingOf(this.total(nowMs), this.misbehaviour.get(nowMs), this.tuning);
  }
}

/** Thresholds are inclusive: reaching the ban threshold bans. */
export function standingOf(total: number, misbehaviour: number, t: ScoringTuning): ScoreStanding {
  if (total <= t.banThreshold || misbehaviour <= t.banThreshold) return 'ban';
  if (total <= t.disconnectThreshold) return 'disconnect';
  if (total <= t.useThreshold) return 'resting';
  return 'usable';
}
