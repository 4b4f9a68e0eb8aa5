import { HotsyncError } from '@hotsync/core';

/** Why the peer manager refused a call. */
export type PeersErrorCode =
  /** An option is out of range or inconsistent with another (names the option). */
  | 'peers.invalid-option'
  /** A manual ban was asked for with a duration that is not a positive finite number. */
  | 'peers.invalid-ban';

/** A typed error of @hotsync/peers; callers switch on `code`. */
export class PeersError extends HotsyncError<PeersErrorCode> {}
