import {
  type Clock,
  every,
  type Logger,
  type PeerConnectionEvent,
  type PeerId,
  type PeerManager,
  type PeerStatus,
  RequestError,
  type Timer,
} from '@hotsync/core';
import { isUnsupportedProtocol } from './client-request.js';

/** What the exchange needs from the service. */
export interface StatusExchangeHost {
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly peers: PeerManager | undefined;
  /** One status request to `peer` (rejects with RequestError). */
  requestStatus(peer: PeerId, signal: AbortSignal): Promise<PeerStatus>;
  emit(event: PeerConnectionEvent): void;
}

interface PeerEntry {
  /** The peer speaks our sync protocols (it answered one, or asked one of us). */
  confirmed: boolean;
  /** It refused the protocol: another chain or no sync service. Not asked again on this connection. */
  foreign: boolean;
  inFlight: boolean;
  status: PeerStatus | undefined;
}

/**
 * Status exchange (DESIGN §8), the sync protocols' ping: every connected peer is asked for
 * its status when it connects and every `intervalMs` after, so heights travel on their
 * own. A peer that answers (or answers `unavailable`: it speaks the protocol but has no
 * chain yet) becomes a sync peer: added to the peer manager and announced `connected`;
 * each status goes to `updateStatus` and out as a `status` event. The status is a claim:
 * discovery proves the height with the commit proof the peer serves for it. A peer that
 * does not speak the protocol is left alone; one that fails the exchange is reported to
 * the peer manager like any request failure (this exchange is the network's own request).
 */
export class StatusExchange {
  private readonly entries = new Map<PeerId, PeerEntry>();
  private timer: Timer | undefined;
  private controller = new AbortController();

  constructor(private readonly host: StatusExchangeHost) {}

  start(): void {
    if (this.timer) return;
    this.controller = new AbortController();
    this.timer = every(this.host.clock, this.host.intervalMs, () => this.round());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.controller.abort();
    this.entries.clear();
  }

  /** A connection to `peer` opened: ask it at once. */
  connected(peer: PeerId): void {
    if (!this.entries.has(peer)) {
      this.entries.set(peer, { confirmed: false, foreign: false, inFlight: false, status: undefined });
    }
    void this.exchange(peer);
  }

  /** Its last connection closed. */
  disconnected(peer: PeerId): void {
    const entry = this.entries.get(peer);
    this.entries.delete(peer);
    if (!entry?.confirmed) return;
    this.host.peers?.removePeer(peer);
    this.host.emit({ type: 'disconnected', peer });
  }

  /** `peer` sent us a sync request: it speaks the protocol, learn its status if we have none. */
  spoke(peer: PeerId): void {
    const entry = this.entries.get(peer);
    if (!entry) return; // not (or no longer) connected as far as libp2p told us
    entry.foreign = false;
    if (!entry.confirmed && !entry.inFlight) void this.exchange(peer);
  }

  isConfirmed(peer: PeerId): boolean {
    return this.entries.get(peer)?.confirmed === true;
  }

  confirmedPeers(): PeerId[] {
    const out: PeerId[] = [];
    for (const [peer, entry] of this.entries) if (entry.confirmed) out.push(peer);
    return out;
  }

  lastStatus(peer: PeerId): PeerStatus | undefined {
    return this.entries.get(peer)?.status;
  }

  /** One periodic round: everyone not already being asked and not foreign. */
  private round(): void {
    for (const [peer, entry] of this.entries) {
      if (!entry.inFlight && !entry.foreign) void this.exchange(peer);
    }
  }

  private async exchange(peer: PeerId): Promise<void> {
    const entry = this.entries.get(peer);
    if (!entry || entry.inFlight) return;
    entry.inFlight = true;
    try {
      const status = await this.host.requestStatus(peer, this.controller.signal);
      if (this.entries.get(peer) !== entry) return; // disconnected meanwhile
      entry.status = status;
      this.confirm(peer, entry);
      this.host.peers?.updateStatus(peer, status);
      this.host.emit({ type: 'status', peer, status });
    } catch (err) {
      if (this.entries.get(peer) !== entry) return;
      this.failed(peer, entry, err);
    } finally {
      entry.inFlight = false;
    }
  }

  private failed(peer: PeerId, entry: PeerEntry, err: unknown): void {
    if (!(err instanceof RequestError)) {
      this.host.logger.error({ err, peer }, 'status exchange failed unexpectedly');
      return;
    }
    if (isUnsupportedProtocol(err)) {
      entry.foreign = true;
      return;
    }
    switch (err.kind) {
      case 'unavailable':
        // It speaks the protocol and has no chain yet (a node about to sync): a sync peer without a status.
        this.confirm(peer, entry);
        return;
      case 'aborted':
        return;
      case 'timeout':
      case 'rate-limited':
      case 'invalid-request':
      case 'server-error':
      case 'malformed-response':
      case 'oversized-response':
      case 'disconnected':
        this.host.peers?.recordOutcome(peer, {
          kind: 'failure',
          failure: err.kind,
          ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
        });
        this.host.logger.debug({ peer, kind: err.kind, reason: err.message }, 'status exchange failed');
        return;
    }
  }

  private confirm(peer: PeerId, entry: PeerEntry): void {
    if (entry.confirmed) return;
    entry.confirmed = true;
    if (this.host.peers && !this.host.peers.isBanned(peer)) this.host.peers.addPeer(peer);
    this.host.emit({ type: 'connected', peer });
  }
}
