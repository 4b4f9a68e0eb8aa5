import {
  type BlocksByRangeRequest,
  type CommitProof,
  type EpochChangeProof,
  type Hash,
  type PeerConnectionEvent,
  type PeerId,
  type PeerStatus,
  RequestError,
  type RequestFailureKind,
  type SnapshotChunk,
  type SnapshotChunkRequest,
  type SnapshotManifest,
  type SyncNetwork,
} from '@hotsync/core';

/** One request made through a `TimingNetwork`. */
export interface TimedRequest {
  readonly method: string;
  readonly ms: number;
  /** undefined: answered; else how it failed. */
  readonly failure: RequestFailureKind | 'other' | undefined;
}

/**
 * A SyncNetwork that times every request the node makes (open to answer, wall time) and
 * keeps how each ended: what an honest peer experienced while another one flooded.
 */
export class TimingNetwork implements SyncNetwork {
  readonly requests: TimedRequest[] = [];

  constructor(private readonly inner: SyncNetwork) {}

  /** Requests that ended `rate-limited`. */
  rateLimited(): number {
    return this.requests.filter((r) => r.failure === 'rate-limited').length;
  }

  private async time<T>(method: string, request: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await request();
      this.requests.push({ method, ms: performance.now() - started, failure: undefined });
      return value;
    } catch (err) {
      const failure = err instanceof RequestError ? err.kind : 'other';
      this.requests.push({ method, ms: performance.now() - started, failure });
      throw err;
    }
  }

  connectedPeers(): readonly PeerId[] {
    return this.inner.connectedPeers();
  }
  status(peer: PeerId, signal?: AbortSignal): Promise<PeerStatus> {
    return this.time('status', () => this.inner.status(peer, signal));
  }
  blocksByRange(peer: PeerId, request: BlocksByRangeRequest, signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.time('blocks_by_range', () => this.inner.blocksByRange(peer, request, signal));
  }
  blocksByHash(peer: PeerId, hashes: readonly Hash[], signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.time('blocks_by_hash', () => this.inner.blocksByHash(peer, hashes, signal));
  }
  commitProof(peer: PeerId, height: number, signal?: AbortSignal): Promise<CommitProof> {
    return this.time('commit_proof', () => this.inner.commitProof(peer, height, signal));
  }
  epochChangeProof(peer: PeerId, epoch: number, signal?: AbortSignal): Promise<EpochChangeProof> {
    return this.time('epoch_change_proof', () => this.inner.epochChangeProof(peer, epoch, signal));
  }
  snapshotManifest(peer: PeerId, signal?: AbortSignal): Promise<SnapshotManifest> {
    return this.time('snapshot_manifest', () => this.inner.snapshotManifest(peer, signal));
  }
  snapshotChunk(peer: PeerId, request: SnapshotChunkRequest, signal?: AbortSignal): Promise<SnapshotChunk> {
    return this.time('snapshot_chunk', () => this.inner.snapshotChunk(peer, request, signal));
  }
  onPeerEvent(listener: (event: PeerConnectionEvent) => void): () => void {
    return this.inner.onPeerEvent(listener);
  }
}

export interface LatencySummary {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of `ms`, rounded to 0.1 ms. */
export function summarizeLatency(ms: readonly number[]): LatencySummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    requests: sorted.length,
    p50: round(rank(50)),
    p99: round(rank(99)),
    max: round(sorted.at(-1) ?? 0),
  };
}

/** How a flood went, as its sender saw it. */
export interface FloodResult {
  readonly sent: number;
  readonly served: number;
  /** Rejected `rate-limited`, with the retry-after the server gave. */
  readonly rateLimited: readonly { readonly retryAfterMs: number | undefined; readonly message: string }[];
  /** Anything else (a dropped connection, a timeout): should not happen. */
  readonly otherFailures: readonly string[];
  readonly elapsedMs: number;
}

export interface FloodOptions {
  /** Requests per second to aim at (e.g. 10× the server's quota). */
  readonly ratePerSecond: number;
  /** Most requests in flight at once (below the server's per-peer concurrency cap, so the quota decides). */
  readonly maxInFlight: number;
  /** One request; each call gets its sequence number. */
  readonly request: (i: number) => Promise<unknown>;
  readonly signal: AbortSignal;
}

/**
 * Sends requests paced at `ratePerSecond` (as many as are due each tick, never more than
 * `maxInFlight` at once) until `signal` aborts, then waits for the ones in flight.
 */
export async function flood(options: FloodOptions): Promise<FloodResult> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const rateLimited: { retryAfterMs: number | undefined; message: string }[] = [];
  const otherFailures: string[] = [];
  let sent = 0;
  let served = 0;
  while (!options.signal.aborted) {
    const due = Math.floor(((performance.now() - started) * options.ratePerSecond) / 1000);
    while (sent < due && inFlight.size < options.maxInFlight) {
      const p = options.request(sent++).then(
        () => {
          served++;
        },
        (err: unknown) => {
          if (err instanceof RequestError && err.kind === 'rate-limited') {
            rateLimited.push({ retryAfterMs: err.retryAfterMs, message: err.message });
          } else otherFailures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        },
      );
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    // Wake for the next due request, or when one in flight settles.
    await Promise.race([new Promise((r) => setTimeout(r, 1)), ...inFlight]);
  }
  await Promise.all(inFlight);
  return { sent, served, rateLimited, otherFailures, elapsedMs: performance.now() - started };
}
