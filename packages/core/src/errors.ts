/**
 * Typed errors. Every failure a caller can act on carries a stable string `code`; callers
 * switch on `code` (or `instanceof` the class), never on the message text.
 */
export class HotsyncError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Why a byte string is not the canonical encoding of the type that was asked for. */
export type DecodeErrorCode =
  | 'decode.truncated'
  | 'decode.trailing-bytes'
  | 'decode.length'
  | 'decode.limit'
  | 'decode.unsafe-integer'
  | 'decode.bitmap-bits-beyond-n'
  | 'decode.bitmap-popcount'
  | 'decode.validator-order'
  | 'decode.zero-voting-power'
  | 'decode.unknown-tag'
  | 'decode.non-canonical'
  | 'decode.next-validator-set'
  | 'decode.unsupported-version';

export class DecodeError extends HotsyncError<DecodeErrorCode> {
  /** Byte offset at which the defect was found, when known. */
  readonly offset: number | undefined;
  constructor(code: DecodeErrorCode, message: string, offset?: number) {
    super(code, offset === undefined ? message : `${message} (at byte ${offset})`, { offset });
    this.offset = offset;
  }
}

export type InvalidArgumentCode =
  | 'arg.not-safe-integer'
  | 'arg.out-of-range'
  | 'arg.length'
  | 'arg.empty'
  | 'arg.duplicate'
  | 'arg.unknown'
  | 'arg.invalid';

/** A caller passed a value the API does not accept (a programming error on the caller's side). */
export class InvalidArgumentError extends HotsyncError<InvalidArgumentCode> {}

/** One field of a configuration object that failed validation. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `performance.batchSizeMin`. */
  readonly path: string;
  /** The value that was given (undefined when missing). */
  readonly value: unknown;
  /** What is allowed, in words. */
  readonly allowed: string;
}

export class ConfigError extends HotsyncError<'config.invalid'> {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(
      'config.invalid',
      `invalid hotsync config:\n${issues.map((i) => `  - ${i.path}: got ${describeValue(i.value)}; ${i.allowed}`).join('\n')}`,
      { issues },
    );
    this.issues = issues;
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends HotsyncError<'aborted'> {
  constructor(reason?: unknown) {
    super('aborted', `operation aborted${reason instanceof Error ? `: ${reason.message}` : ''}`, undefined, {
      cause: reason,
    });
  }
}

/** A deadline passed before the operation finished. */
export class TimeoutError extends HotsyncError<'timeout'> {
  constructor(what: string, ms: number) {
    super('timeout', `${what} timed out after ${ms} ms`, { ms });
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/** Throws AbortedError when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason);
}

/** A request or action that does not belong to the current sync phase. */
export class InvalidPhaseError extends HotsyncError<'phase.invalid'> {
  readonly phase: string;
  readonly action: string;
  constructor(phase: string, action: string, allowedIn: readonly string[]) {
    super(
      'phase.invalid',
      `${action} is not allowed in phase ${phase} (allowed in: ${allowedIn.join(', ')})`,
      {
        phase,
        action,
        allowedIn,
      },
    );
    this.phase = phase;
    this.action = action;
  }
}

export type StoreErrorCode =
  | 'store.height-gap'
  | 'store.below-tip'
  | 'store.tip-mismatch'
  | 'store.unknown-height'
  | 'store.not-initialized'
  | 'store.already-initialized'
  | 'store.closed'
  | 'store.corrupt'
  | 'store.io';

/** A chain store refused a call (or its backing storage failed). */
export class StoreError extends HotsyncError<StoreErrorCode> {}

export type StateErrorCode =
  | 'state.invalid-transaction'
  | 'state.execution-failed'
  | 'state.height-gap'
  | 'state.rollback-unavailable'
  | 'state.closed';

/** Executing blocks failed; nothing of the failed call was applied. */
export class StateExecutionError extends HotsyncError<StateErrorCode> {
  readonly height: number | undefined;
  readonly transactionIndex: number | undefined;
  constructor(
    code: StateErrorCode,
    message: string,
    where: { height?: number; transactionIndex?: number } = {},
  ) {
    super(code, message, where);
    this.height = where.height;
    this.transactionIndex = where.transactionIndex;
  }
}

export type SnapshotErrorCode =
  | 'snapshot.format'
  | 'snapshot.malformed-chunk'
  | 'snapshot.wrong-root'
  | 'snapshot.bad-proof'
  | 'snapshot.key-order'
  | 'snapshot.chunk-index'
  | 'snapshot.incomplete'
  | 'snapshot.root-mismatch';

/** A snapshot chunk or a finished import failed verification. */
export class SnapshotError extends HotsyncError<SnapshotErrorCode> {}

export type SyncErrorCode =
  | 'sync.no-peers'
  | 'sync.incomplete'
  | 'sync.stalled'
  | 'sync.anchor'
  | 'sync.state-mismatch'
  | 'sync.no-strategy'
  | 'sync.busy';

/** A sync attempt could not go on (the manager recovers from all of these but `sync.anchor` and `sync.state-mismatch`). */
export class SyncError extends HotsyncError<SyncErrorCode> {}
