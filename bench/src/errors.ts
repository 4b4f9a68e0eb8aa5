import { HotsyncError } from '@hotsync/core';

/** Why a benchmark run could not produce a figure (never: "a figure was too low"). */
export type BenchErrorCode =
  /** A command-line flag or an option is out of range. */
  | 'bench.invalid-argument'
  /** A child process reported an error, exited early or broke the IPC protocol. */
  | 'bench.child-failed'
  /** A child process did not finish within its time limit (it was killed). */
  | 'bench.child-timeout'
  /** The chain cache is unusable (generation failed, or an entry is corrupt). */
  | 'bench.cache'
  /** A sync did not reach its target or ended on another chain. */
  | 'bench.sync-failed'
  /** A measurement probe cannot attach (e.g. a method it times was renamed). */
  | 'bench.probe'
  /** The results do not match their own schema (a bug in the bench). */
  | 'bench.output';

/** A typed error of the benchmark; callers switch on `code`. */
export class BenchError extends HotsyncError<BenchErrorCode> {}
