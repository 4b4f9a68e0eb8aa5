import { HotsyncError } from '@hotsync/core';

/** Why a strategy could not go on (the manager decides whether to retry). */
export type StrategyErrorCode =
  /** An option is out of range (names the option). */
  | 'strategy.invalid-option'
  /** No peer serves a snapshot whose height a verified commit proof backs. */
  | 'strategy.no-snapshot'
  /** The snapshot import failed as a whole (e.g. the finished state's root is wrong). */
  | 'strategy.snapshot-failed'
  /** No peer holds some heights still to sync (all pruned above them or behind them); `details` names them. */
  | 'strategy.heights-unavailable'
  /** A range or chunk failed on every attempt allowed. */
  | 'strategy.attempts-exhausted'
  /** A batch was asked to change state in a way its state machine does not allow: a bug. */
  | 'strategy.invalid-transition';

/** A typed error of @hotsync/strategies; callers switch on `code`. */
export class StrategyError extends HotsyncError<StrategyErrorCode> {}
