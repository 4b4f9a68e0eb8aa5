import type { CommitProof, Hash, SnapshotChunk, SnapshotManifest } from '../chain/types.js';
import { InvalidArgumentError } from '../errors.js';
import type {
  BlocksByRangeRequest,
  EpochChangeProof,
  PeerConnectionEvent,
  PeerId,
  PeerStatus,
  SnapshotChunkRequest,
  SyncNetwork,
} from '../interfaces/network.js';
import type { WireLimits } from './limits.js';
import type { WireMethod } from './methods.js';
import type { WireResponseValues } from './reply.js';
import type { WireRequestOf } from './request-codec.js';

/**
 * A `SyncNetwork` over the wire protocols of DESIGN §8, for any transport: a subclass
 * sends one encoded request and decodes its answer (`ask`), lists its peers and reports
 * connection events (`emitPeerEvent`); this class maps the seven request methods to wire
 * requests with the argument rules every transport shares (an empty request costs no
 * round trip, a range beyond `maxBlocksPerRequest` is asked for as much as one request
 * carries, too many hashes are the caller's bug) and keeps the listeners, each isolated
 * from the others. The libp2p binding and the simulator are both built on it; a transport
 * of your own (QUIC, WebSocket, an in-process bridge) needs only these three pieces.
 */
export abstract class WireSyncNetwork implements SyncNetwork {
  private readonly peerListeners = new Set<(event: PeerConnectionEvent) => void>();

  /** Peers currently connected and speaking the sync protocols. */
  abstract connectedPeers(): readonly PeerId[];

  /**
   * Sends `request` to `peer` and resolves with the decoded ok answer; rejects with a
   * `RequestError` (timeout, unavailable, rate-limited, malformed-response, ...).
   */
  protected abstract ask<M extends WireMethod>(
    peer: PeerId,
    request: WireRequestOf<M>,
    signal: AbortSignal | undefined,
  ): Promise<WireResponseValues[M]>;

  /** The limits requests are shaped by (read on every request: they may be replaced). */
  protected abstract requestLimits(): Pick<WireLimits, 'maxBlocksPerRequest' | 'maxHashesPerRequest'>;

  /** A listener threw on `event`: log or count it (the other listeners still hear it). */
  protected abstract listenerFailed(err: unknown, event: PeerConnectionEvent): void;

  async status(peer: PeerId, signal?: AbortSignal): Promise<PeerStatus> {
    return (await this.ask(peer, { method: 'status' }, signal)).status;
  }

  blocksByRange(peer: PeerId, request: BlocksByRangeRequest, signal?: AbortSignal): Promise<Uint8Array[]> {
    if (request.count === 0) return Promise.resolve([]);
    // Asking for more than a request may carry is answered with fewer, as the contract allows.
    const count = Math.min(request.count, this.requestLimits().maxBlocksPerRequest);
    return this.ask(peer, { method: 'blocks_by_range', startHeight: request.startHeight, count }, signal);
  }

  blocksByHash(peer: PeerId, hashes: readonly Hash[], signal?: AbortSignal): Promise<Uint8Array[]> {
    if (hashes.length === 0) return Promise.resolve([]);
    const { maxHashesPerRequest } = this.requestLimits();
    if (hashes.length > maxHashesPerRequest) {
      return Promise.reject(
        new InvalidArgumentError(
          'arg.out-of-range',
          `${hashes.length} hashes in one request, at most ${maxHashesPerRequest}`,
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
    this.peerListeners.add(listener);
    return () => {
      this.peerListeners.delete(listener);
    };
  }

  /** Tells every listener (those subscribed when it starts); one that throws does not stop the rest. */
  protected emitPeerEvent(event: PeerConnectionEvent): void {
    for (const listener of [...this.peerListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.listenerFailed(err, event);
      }
    }
  }
}
