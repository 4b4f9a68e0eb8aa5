import {
  type BandwidthCap,
  type CodecLimits,
  encodeRequest,
  type PeerConnectionEvent,
  type PeerId,
  type WireLimits,
  type WireMethod,
  type WireRequestOf,
  type WireResponseValues,
  WireSyncNetwork,
} from '@hotsync/core';
import { Exchange, type RequestTimeouts } from './exchange.js';
import type { SimNetwork } from './sim-network.js';
import type { PeerTraffic } from './traffic.js';

export interface EndpointSettings {
  readonly chainId: Uint8Array;
  readonly limits: WireLimits;
  readonly codecLimits: CodecLimits;
  readonly timeouts: RequestTimeouts;
  readonly statusOnConnect: boolean;
  /** This node's download budget, shared by all its requests (none: no cap). */
  readonly bandwidthCap?: BandwidthCap;
}

/**
 * One node's view of the simulated network: core's SyncNetwork. Requests are encoded with
 * the wire codec, cross the link as bytes, are answered by the peer's handler and decoded
 * with this node's limits; every failure is a RequestError of the kind the libp2p binding
 * would report. Listeners hear connects, disconnects and (after each connect) the peer's status.
 */
export class SimEndpoint extends WireSyncNetwork {
  private listenerErrors = 0;

  constructor(
    readonly id: PeerId,
    private readonly network: SimNetwork,
    readonly settings: EndpointSettings,
  ) {
    super();
  }

  connectedPeers(): readonly PeerId[] {
    return this.network.connectedPeersOf(this.id);
  }

  /** What this node exchanged with each peer so far. */
  traffic(): Record<PeerId, PeerTraffic> {
    return this.network.traffic(this.id).snapshot();
  }

  /** Listener calls that threw (they are isolated from the network and from each other). */
  get listenerFailures(): number {
    return this.listenerErrors;
  }

  // ---- called by SimNetwork ----------------------------------------------------------

  /** @internal */
  peerEvent(event: PeerConnectionEvent): void {
    this.emitPeerEvent(event);
  }

  protected listenerFailed(err: unknown): void {
    this.listenerErrors++;
    this.network.handlerFailed(this.id, err);
  }

  protected requestLimits(): WireLimits {
    return this.settings.limits;
  }

  /** @internal A connection to `peer` is up: tell listeners, then learn its status. */
  connectedTo(peer: PeerId): void {
    this.peerEvent({ type: 'connected', peer });
    if (!this.settings.statusOnConnect) return;
    this.status(peer).then(
      (status) => {
        if (this.network.isConnected(this.id, peer)) this.peerEvent({ type: 'status', peer, status });
      },
      () => undefined, // counted in the traffic; a peer that does not answer gets no status event
    );
  }

  protected ask<M extends WireMethod>(
    peer: PeerId,
    request: WireRequestOf<M>,
    signal: AbortSignal | undefined,
  ): Promise<WireResponseValues[M]> {
    let bytes: Uint8Array;
    try {
      bytes = encodeRequest(request);
    } catch (err) {
      return Promise.reject(err); // a request that cannot be encoded (a height that is no u64): the caller's bug
    }
    const exchange = new Exchange<M>(this.network, this.id, peer, request, this.settings, signal);
    if (!this.network.isConnected(this.id, peer)) {
      exchange.fail('disconnected', `not connected to ${peer}`);
      return exchange.promise;
    }
    this.network.track(exchange);
    exchange.begin(bytes);
    return exchange.promise;
  }
}
