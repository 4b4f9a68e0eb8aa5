import { HotsyncError } from '@hotsync/core';

/**
 * Failures of the libp2p binding itself. Requests a caller makes fail with core's
 * `RequestError` (its `kind` says why); these codes name what went wrong on our side or
 * with an inbound stream.
 */
export type NetworkErrorCode =
  /** An option was out of range or inconsistent. */
  | 'network.invalid-option'
  /** The service was used before `start()` or after `stop()`. */
  | 'network.not-started'
  /** An inbound request was not a canonical request of its protocol (garbage, trailing bytes, bad fields). */
  | 'network.malformed-request'
  /** An inbound request's length prefix exceeded `maxRequestBytes`: reading stopped at the prefix. */
  | 'network.oversized-request'
  /** The requester closed its side before the whole request arrived. */
  | 'network.truncated-request'
  /** The requester did not send its request (or did not read our response) in time. */
  | 'network.inbound-timeout'
  /** The stream was reset or aborted under us. */
  | 'network.stream-closed';

export class NetworkError extends HotsyncError<NetworkErrorCode> {}
