import { HotsyncError } from '@hotsync/core';

export type ExampleErrorCode =
  /** A flag or option is missing or out of range. */
  | 'example.invalid-option'
  /** A consensus frame longer than the limit: the stream is dropped. */
  | 'example.frame-too-large'
  /** A validator process exited, failed to start or reported a fatal error. */
  | 'example.process-failed'
  /** Something did not happen within its time limit. */
  | 'example.timeout'
  /** The data directory cannot be used (not empty, not writable). */
  | 'example.data-dir'
  /** The pre-generated history is missing or does not match its parameters. */
  | 'example.history';

/** A failure of the example processes or their parent, with a stable `code`. */
export class ExampleError extends HotsyncError<ExampleErrorCode> {}
