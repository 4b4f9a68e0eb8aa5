import type { PeerId } from '@hotsync/core';
import type { CircuitState } from './circuit-breaker.js';

/** What needs attention in the peer set. */
export interface PeerHealthReport {
  /** Connected peers with no status for longer than `health.staleAfterMs`. */
  readonly stale: readonly PeerId[];
  /** Connected peers with `health.timeoutStreak` or more timeouts in a row. */
  readonly timingOut: readonly PeerId[];
  /** Active peers that could be selected now. */
  readonly usableActive: number;
  /** Fewer usable active peers than `peers.minSyncPeers`. */
  readonly belowMinimum: boolean;
  readonly circuit: CircuitState;
  /** The overload probe said we are overloaded (timeouts are not penalized meanwhile). */
  readonly overloaded: boolean;
}

/** Stale: no status within `staleAfterMs`; a (re)connect starts the count afresh. */
export function isStale(
  statusAtMs: number | undefined,
  connectedAtMs: number,
  nowMs: number,
  staleAfterMs: number,
): boolean {
  return nowMs - Math.max(statusAtMs ?? connectedAtMs, connectedAtMs) > staleAfterMs;
}
