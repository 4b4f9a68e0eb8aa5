import type { RequestOutcome } from '@hotsync/core';
import type { NetworkErrorCode } from './errors.js';

/** What was wrong with an inbound request, and so what it costs its sender. */
export type InboundFault =
  /** Not a canonical request: garbage, trailing bytes, bad fields. */
  | 'malformed'
  /** A length prefix beyond `maxRequestBytes`: no honest client sends one. */
  | 'oversized'
  /** A count or hash list beyond our limits: an honest peer with other limits could send it. */
  | 'over-limit'
  /** The stream ended before the request was complete. */
  | 'truncated'
  /** The request did not arrive in time, or the response was not read in time. */
  | 'timeout';

/**
 * The outcome recorded against a requester (DESIGN §6: the peer manager weighs it). The
 * peer manager judges outcomes from the point of view of the side that received bad
 * bytes; here the requester sent them, so the same kinds apply in the other direction:
 * undecodable or oversized input weighs like a malformed response (high, misbehaviour:
 * streams are authenticated, so it is the peer's doing), a request beyond our limits like
 * an invalid request (mid), truncation and slowness like a timeout (low, and forgiven
 * while we are overloaded). Rate-limited requests are never recorded.
 */
export function inboundOutcome(fault: InboundFault): RequestOutcome {
  switch (fault) {
    case 'malformed':
      return { kind: 'failure', failure: 'malformed-response' };
    case 'oversized':
      return { kind: 'failure', failure: 'oversized-response' };
    case 'over-limit':
      return { kind: 'failure', failure: 'invalid-request' };
    case 'truncated':
    case 'timeout':
      return { kind: 'failure', failure: 'timeout' };
  }
}

export function inboundErrorCode(fault: InboundFault): NetworkErrorCode {
  switch (fault) {
    case 'malformed':
    case 'over-limit':
      return 'network.malformed-request';
    case 'oversized':
      return 'network.oversized-request';
    case 'truncated':
      return 'network.truncated-request';
    case 'timeout':
      return 'network.inbound-timeout';
  }
}
