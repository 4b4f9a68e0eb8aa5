import {
  type BandwidthCap,
  type BlocksByRangeRequest,
  type CodecLimits,
  type CommitProof,
  type EpochChangeProof,
  encodeRequest,
  type Hash,
  InvalidArgumentError,
  type PeerConnectionEvent,
  type PeerId,
  type PeerStatus,
  type SnapshotChunk,
  type SnapshotChunkRequest,
  type SnapshotManifest,
  type SyncNetwork,
  type WireLimits,
  type WireMethod,
  type WireRequestOf,
  type WireResponseValues,
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
export class SimEndpoint implements SyncNetwork {
  private readonly listeners = new Set<(event: PeerConnectionEvent) => void>();
  private listenerErrors = 0;

  constructor(
    readonly id: PeerId,
    private readonly network: SimNetwork,
    readonly settings: EndpointSettings,
  ) {}

  connectedPeers(): readonly PeerId[] {
    return this.network.connectedPeersOf(this.id);
  }

  async status(peer: PeerId, signal?: AbortSignal): Promise<PeerStatus> {
    return (await this.ask(peer, { method: 'status' }, signal)).status;
  }

  blocksByRange(peer: PeerId, request: BlocksByRangeRequest, signal?: AbortSignal): Promise<Uint8Array[]> {
    if (request.count === 0) return Promise.resolve([]);
    // Asking for more than a request may carry is answered with fewer, as the contract allows.
    const count = Math.min(request.count, this.settings.limits.maxBlocksPerRequest);
    return this.ask(peer, { method: 'blocks_by_range', startHeight: request.startHeight, count }, signal);
  }

  blocksByHash(peer: PeerId, hashes: readonly Hash[], signal?: AbortSignal): Promise<Uint8Array[]> {
    if (hashes.length === 0) return Promise.resolve([]);
    if (hashes.length > this.settings.limits.maxHashesPerRequest) {
      return Promise.reject(
        new InvalidArgumentError(
          'arg.out-of-range',
          `${hashes.length} hashes in one request, at most ${this.settings.limits.maxHashesPerRequest}`,
        ),
      );
    }
    return this.ask(peer, { method: 'blocks_by_hash', hashes }, signal);
  }

  commitProof(peer: PeerId, height: number, signal?: AbortSignal): Promise<CommitProof> {
    return this.ask(peer, { method: 'commit_proof', height }, signal);
  }

  epochChangeProof(peer: PeerId, epoch: number, signal?: AbortSignal): Promise<EpochChangeProof> {
    return this.ask(peer, { method: 'epoch_change_proof', epoch }, signal);
  }

  snapshotManifest(peer: PeerId, signal?: AbortSignal): Promise<SnapshotManifest> {
    return this.ask(peer, { method: 'snapshot_manifest' }, signal);
  }

  snapshotChunk(peer: PeerId, request: SnapshotChunkRequest, signal?: AbortSignal): Promise<SnapshotChunk> {
    return this.ask(
      peer,
      { method: 'snapshot_chunk', stateRoot: request.stateRoot, index: request.index },
      signal,
    );
  }

  onPeerEvent(listener: (event: PeerConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
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
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.listenerErrors++;
        this.network.handlerFailed(this.id, err);
      }
    }
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

  private ask<M extends WireMethod>(
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
