import type {
  BlocksByRangeRequest,
  CommitProof,
  EpochChangeProof,
  Hash,
  PeerConnectionEvent,
  PeerId,
  PeerStatus,
  SnapshotChunk,
  SnapshotChunkRequest,
  SnapshotManifest,
  SyncNetwork,
} from '@hotsync/core';

/** A SyncNetwork that records the block heights it is asked for (to count re-downloads). */
export class RecordingNetwork implements SyncNetwork {
  /** Every height requested by `blocksByRange`, in order, with repeats. */
  readonly requestedHeights: number[] = [];

  constructor(private readonly inner: SyncNetwork) {}

  connectedPeers(): readonly PeerId[] {
    return this.inner.connectedPeers();
  }
  status(peer: PeerId, signal?: AbortSignal): Promise<PeerStatus> {
    return this.inner.status(peer, signal);
  }
  blocksByRange(peer: PeerId, request: BlocksByRangeRequest, signal?: AbortSignal): Promise<Uint8Array[]> {
    for (let h = request.startHeight; h < request.startHeight + request.count; h++)
      this.requestedHeights.push(h);
    return this.inner.blocksByRange(peer, request, signal);
  }
  blocksByHash(peer: PeerId, hashes: readonly Hash[], signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.inner.blocksByHash(peer, hashes, signal);
  }
  commitProof(peer: PeerId, height: number, signal?: AbortSignal): Promise<CommitProof> {
    return this.inner.commitProof(peer, height, signal);
  }
  epochChangeProof(peer: PeerId, epoch: number, signal?: AbortSignal): Promise<EpochChangeProof> {
    return this.inner.epochChangeProof(peer, epoch, signal);
  }
  snapshotManifest(peer: PeerId, signal?: AbortSignal): Promise<SnapshotManifest> {
    return this.inner.snapshotManifest(peer, signal);
  }
  snapshotChunk(peer: PeerId, request: SnapshotChunkRequest, signal?: AbortSignal): Promise<SnapshotChunk> {
    return this.inner.snapshotChunk(peer, request, signal);
  }
  onPeerEvent(listener: (event: PeerConnectionEvent) => void): () => void {
    return this.inner.onPeerEvent(listener);
  }
}
