import { setMaxListeners } from 'node:events';
import {
  type PeerConnectionEvent,
  type PeerId,
  type PeerManager,
  type PeerStatus,
  protocolId,
  RequestError,
  WIRE_METHODS,
  type WireLimits,
  type WireMethod,
  type WireRequestOf,
  type WireResponseValues,
  WireSyncNetwork,
} from '@hotsync/core';
import {
  type Connection,
  type Libp2pEvents,
  type PeerId as Libp2pPeerId,
  type Startable,
  type Stream,
  serviceCapabilities,
  type TypedEventTarget,
} from '@libp2p/interface';
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal';
import { sendRequest } from './client-request.js';
import { NetworkError } from './errors.js';
import { type HotsyncNetworkOptions, type ResolvedNetworkOptions, resolveNetworkOptions } from './options.js';
import {
  emptyInboundStats,
  handleInbound,
  type InboundContext,
  type InboundStats,
} from './protocol-handler.js';
import { InboundRateLimiter } from './rate-limiter.js';
import { StatusExchange } from './status-exchange.js';

/** The libp2p components the service uses (libp2p passes them to the factory). */
export interface HotsyncComponents {
  readonly registrar: Registrar;
  readonly connectionManager: ConnectionManager;
  readonly events: TypedEventTarget<Libp2pEvents>;
}

/** What this node asked of one peer so far. */
export interface OutboundTraffic {
  requests: number;
  ok: number;
  failures: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface HotsyncStats {
  readonly inbound: InboundStats;
  readonly outbound: Readonly<Record<PeerId, Readonly<OutboundTraffic>>>;
}

/**
 * The hotsync libp2p service: core's `SyncNetwork` over real streams, so the default
 * SyncManager runs over it unchanged (as it does over simnet), and the server side of all
 * seven protocols, answering from the chain store. Add it to a libp2p node as
 * `services: { sync: hotsync({ chainId, store, peers }) }`, with TCP, noise and yamux
 * configured by the node and `hotsyncConnectionGater(peers)` as its gater.
 */
export class HotsyncService extends WireSyncNetwork implements Startable {
  readonly [Symbol.toStringTag] = '@hotsync/network';
  readonly [serviceCapabilities]: string[] = ['@hotsync/sync'];

  readonly options: ResolvedNetworkOptions;
  private readonly peers: PeerManager | undefined;
  private readonly inbound: InboundContext;
  private readonly exchange: StatusExchange;
  private readonly outbound = new Map<PeerId, OutboundTraffic>();
  /** libp2p PeerId objects of connected peers, by string: requests are addressed by string. */
  private readonly peerIds = new Map<PeerId, Libp2pPeerId>();
  private readonly protocols: string[];
  private running = false;
  private stopController = new AbortController();
  private unsubscribePeers: (() => void) | undefined;

  constructor(
    private readonly components: HotsyncComponents,
    init: HotsyncNetworkOptions,
  ) {
    super();
    this.options = resolveNetworkOptions(init);
    this.peers = init.peers;
    this.protocols = WIRE_METHODS.map((m) => protocolId(this.options.chainId, m));
    this.inbound = {
      options: this.options,
      store: init.store,
      limiter: new InboundRateLimiter(this.options.clock, this.options.rateLimits),
      peers: this.peers,
      stats: emptyInboundStats(),
      active: new Map(),
      streams: new Set(),
      onRequest: (peer) => this.exchange.spoke(peer),
    };
    this.exchange = new StatusExchange({
      clock: this.options.clock,
      intervalMs: this.options.statusIntervalMs,
      logger: this.options.logger,
      peers: this.peers,
      requestStatus: (peer, signal) => this.status(peer, signal),
      emit: (event) => this.emit(event),
    });
  }

  isStarted(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopController = new AbortController();
    // Every request in flight listens on it (through AbortSignal.any): many at once is normal.
    setMaxListeners(Number.POSITIVE_INFINITY, this.stopController.signal);
    if (this.options.serve) {
      await Promise.all(
        WIRE_METHODS.map((method, i) =>
          this.components.registrar.handle(
            this.protocols[i]!,
            (stream: Stream, connection: Connection) =>
              handleInbound(method, stream, connection, this.inbound),
            { maxInboundStreams: this.options.maxInboundStreamsPerProtocol },
          ),
        ),
      );
    }
    this.components.events.addEventListener('peer:connect', this.onConnect);
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect);
    this.unsubscribePeers = this.peers?.onEvent((event) => {
      // The peer manager wants the peer gone; a ban also keeps it out (the gater).
      if (event.type === 'disconnect' || event.type === 'banned') void this.closePeer(event.peer);
    });
    this.exchange.start();
  }

  /** Connections that opened before our `peer:connect` listener existed are picked up here. */
  afterStart(): void {
    for (const connection of this.components.connectionManager.getConnections()) {
      this.peerConnected(connection.remotePeer);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.exchange.stop();
    this.stopController.abort(new NetworkError('network.not-started', 'the hotsync service stopped'));
    this.components.events.removeEventListener('peer:connect', this.onConnect);
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect);
    this.unsubscribePeers?.();
    this.unsubscribePeers = undefined;
    for (const stream of this.inbound.streams) {
      stream.abort(new NetworkError('network.not-started', 'the hotsync service stopped'));
    }
    if (this.options.serve) {
      await Promise.all(this.protocols.map((p) => this.components.registrar.unhandle(p)));
    }
    this.peerIds.clear();
  }

  // ---- SyncNetwork ------------------------------------------------------------------

  connectedPeers(): readonly PeerId[] {
    return this.exchange.confirmedPeers().filter((p) => this.connectionTo(p) !== undefined);
  }

  // ---- beyond SyncNetwork ---------------------------------------------------------------

  /** The last status `peer` reported in the exchange. */
  peerStatus(peer: PeerId): PeerStatus | undefined {
    return this.exchange.lastStatus(peer);
  }

  /** Counters of both sides, copied. */
  stats(): HotsyncStats {
    const inbound = structuredClone(this.inbound.stats);
    const outbound: Record<PeerId, OutboundTraffic> = {};
    for (const [peer, t] of this.outbound) outbound[peer] = { ...t };
    return { inbound, outbound };
  }

  /** Closes every connection to `peer` (the gater decides whether it may come back). */
  async closePeer(peer: PeerId): Promise<void> {
    const id = this.peerIds.get(peer) ?? this.connectionTo(peer)?.remotePeer;
    if (!id) return;
    try {
      await this.components.connectionManager.closeConnections(id);
    } catch (err) {
      this.options.logger.warn({ err, peer }, 'closing connections failed');
    }
  }

  // ---- internals -------------------------------------------------------------------

  protected async ask<M extends WireMethod>(
    peer: PeerId,
    request: WireRequestOf<M>,
    signal: AbortSignal | undefined,
  ): Promise<WireResponseValues[M]> {
    const traffic = this.trafficOf(peer);
    traffic.requests++;
    const connection = this.running ? this.connectionTo(peer) : undefined;
    if (!connection) {
      traffic.failures++;
      throw new RequestError(
        'disconnected',
        peer,
        `${request.method}: ${this.running ? 'not connected' : 'the hotsync service is not running'}`,
      );
    }
    const combined = signal
      ? AbortSignal.any([signal, this.stopController.signal])
      : this.stopController.signal;
    try {
      const result = await sendRequest(connection, peer, request, this.options, combined);
      traffic.ok++;
      traffic.bytesSent += result.bytesSent;
      traffic.bytesReceived += result.bytesReceived;
      return result.value;
    } catch (err) {
      traffic.failures++;
      throw err;
    }
  }

  private trafficOf(peer: PeerId): OutboundTraffic {
    let t = this.outbound.get(peer);
    if (!t) {
      t = { requests: 0, ok: 0, failures: 0, bytesSent: 0, bytesReceived: 0 };
      this.outbound.set(peer, t);
    }
    return t;
  }

  /** An open connection to `peer`, if any. */
  private connectionTo(peer: PeerId): Connection | undefined {
    const id = this.peerIds.get(peer);
    const connections = id
      ? this.components.connectionManager.getConnections(id)
      : this.components.connectionManager.getConnections().filter((c) => c.remotePeer.toString() === peer);
    return connections.find((c) => c.status === 'open');
  }

  private readonly onConnect = (event: CustomEvent<Libp2pPeerId>): void => {
    this.peerConnected(event.detail);
  };

  private readonly onDisconnect = (event: CustomEvent<Libp2pPeerId>): void => {
    const peer = event.detail.toString();
    this.peerIds.delete(peer);
    this.inbound.limiter.forget(peer);
    this.exchange.disconnected(peer);
  };

  private peerConnected(id: Libp2pPeerId): void {
    const peer = id.toString();
    if (this.peers?.isBanned(peer)) {
      void this.closePeer(peer); // the gater refuses new ones; this one predates the ban
      return;
    }
    this.peerIds.set(peer, id);
    this.exchange.connected(peer);
  }

  private emit(event: PeerConnectionEvent): void {
    this.emitPeerEvent(event);
  }

  protected listenerFailed(err: unknown, event: PeerConnectionEvent): void {
    this.options.logger.error({ err, event: event.type }, 'a peer event listener threw');
  }

  protected requestLimits(): WireLimits {
    return this.options.limits;
  }
}

/**
 * The libp2p service factory (the js-libp2p pattern):
 * `createLibp2p({ ..., services: { sync: hotsync({ chainId, store, peers, config }) } })`.
 */
export function hotsync(init: HotsyncNetworkOptions): (components: HotsyncComponents) => HotsyncService {
  return (components) => new HotsyncService(components, init);
}
