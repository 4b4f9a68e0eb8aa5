import type { PeerId, PeerManagerEvent } from '@hotsync/core';
import type { BanStoreFailure } from './bans.js';
import type { CircuitState } from './circuit-breaker.js';
import type { NetworkPosition } from './network-height.js';

/**
 * Everything the peer manager reports: core's PeerManagerEvent (`penalized`, `banned`, sent
 * to `onEvent` listeners too) and the events only this implementation has (`onPeersEvent`).
 */
export type PeersEvent =
  | Exclude<PeerManagerEvent, { readonly type: 'circuit' }>
  /** The circuit breaker opened or closed (`open` mirrors `state.state === 'open'`). */
  | { readonly type: 'circuit'; readonly open: boolean; readonly state: CircuitState }
  | { readonly type: 'rotated'; readonly added: readonly PeerId[]; readonly removed: readonly PeerId[] }
  /** Our position against the network changed kind (e.g. we became ahead: fork or partition?). */
  | {
      readonly type: 'position';
      readonly ourHeight: number;
      readonly networkHeight: number | undefined;
      readonly proven: boolean;
      readonly position: NetworkPosition;
    }
  | { readonly type: 'store-error'; readonly failure: BanStoreFailure };

/** The event types core's PeerManager contract defines; the rest go to `onPeersEvent` only. */
export function isCoreEvent(event: PeersEvent): event is PeerManagerEvent & PeersEvent {
  switch (event.type) {
    case 'penalized':
    case 'banned':
    case 'unbanned':
    case 'disconnect':
    case 'circuit':
      return true;
    case 'rotated':
    case 'position':
    case 'store-error':
      return false;
  }
}
