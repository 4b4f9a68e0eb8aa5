import { HotsyncError } from '@hotsync/core';

export type EngineErrorCode =
  /** An option is missing or out of range. */
  | 'engine.invalid-option'
  /** The chain store has no tip (initialize it with an anchor or a generated chain first). */
  | 'engine.store-empty'
  /** The state machine cannot be brought to the store's tip, or its root differs from it. */
  | 'engine.state-mismatch'
  /** Blocks handed to `deliverCommitted` do not continue the committed chain. */
  | 'engine.delivery'
  /** No validator set is known for an epoch a QC or block refers to. */
  | 'engine.unknown-epoch'
  /** Called before `start()`. */
  | 'engine.not-started'
  /** The engine was stopped (or started twice); it cannot be started again. */
  | 'engine.stopped';

/** A failure of the engine a caller can act on, with a stable `code`. */
export class EngineError extends HotsyncError<EngineErrorCode> {}
