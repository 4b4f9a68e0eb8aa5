import { HotsyncError } from '@hotsync/core';

export type ValidationErrorCode =
  | 'validation.closed'
  | 'validation.invalid-option'
  | 'validation.state-machine';

/**
 * A caller misused the verifier (closed, bad option) or a plugged-in component broke its
 * contract; never a verdict on a peer's data (that is a `VerificationFailure`).
 */
export class ValidationError extends HotsyncError<ValidationErrorCode> {}
