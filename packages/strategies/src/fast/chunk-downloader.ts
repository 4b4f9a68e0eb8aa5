import {
  type PeerId,
  RequestError,
  SnapshotError,
  type SnapshotImport,
  type SnapshotManifest,
  type SyncContext,
  throwIfAborted,
  type VerificationCheck,
} from '@hotsync/core';
import { StrategyError } from '../errors.js';
import { assertNever } from '../util/assert-never.js';
import { Wakeup } from '../util/wakeup.js';

export interface ChunkDownloadOptions {
  /** Chunk requests in flight over all peers (default `performance.parallelDownloadLimit`). */
  readonly parallel?: number;
  /** Failed attempts of one chunk before giving up (default 10). */
  readonly maxAttempts?: number;
  readonly idleWaitMs?: number;
  /** Called after each chunk is imported, with the number still missing. */
  readonly onChunk?: (missing: number) => void;
}

interface ChunkState {
  attempts: number;
  readonly excluded: Set<PeerId>;
  inFlight: boolean;
}

/** The check a chunk that the import refused failed (the same mapping the verifier uses). */
export function chunkCheck(error: SnapshotError): VerificationCheck {
  switch (error.code) {
    case 'snapshot.format':
      return 'snapshot.manifest';
    case 'snapshot.wrong-root':
    case 'snapshot.root-mismatch':
      return 'snapshot.root';
    case 'snapshot.malformed-chunk':
    case 'snapshot.bad-proof':
    case 'snapshot.key-order':
    case 'snapshot.chunk-index':
    case 'snapshot.incomplete':
      return 'snapshot.chunk';
    default:
      return assertNever(error.code);
  }
}

/**
 * Fetches the missing chunks of a snapshot from many peers at once (DESIGN §5): each chunk
 * goes to the best free server (peer manager selection and request slots), is verified
 * against the manifest's root by the import's `addChunk` before anything of it is kept,
 * and a chunk that does not verify is blamed on exactly its sender and fetched again from
 * another server. Resumes where an earlier import of the same manifest stopped: only
 * `missingChunks()` are fetched.
 */
export async function downloadChunks(
  ctx: SyncContext,
  manifest: SnapshotManifest,
  imp: SnapshotImport,
  servers: readonly PeerId[],
  signal: AbortSignal,
  options: ChunkDownloadOptions = {},
): Promise<void> {
  const parallel = options.parallel ?? ctx.config.performance.parallelDownloadLimit;
  const maxAttempts = options.maxAttempts ?? 10;
  const wake = new Wakeup(ctx.clock);
  const serving = new Set(servers);
  const chunks = new Map<number, ChunkState>(
    imp.missingChunks().map((i) => [i, { attempts: 0, excluded: new Set<PeerId>(), inFlight: false }]),
  );
  const tasks = new Set<Promise<void>>();
  let fatal: { error: unknown } | undefined;
  // A controller per request (a shared signal would collect a listener per request), one listener on the caller's.
  const requests = new Set<AbortController>();
  const abortAll = () => {
    for (const c of requests) c.abort(signal.reason);
  };
  signal.addEventListener('abort', abortAll, { once: true });

  const fetchChunk = async (index: number, state: ChunkState, peer: PeerId) => {
    const started = ctx.clock.now();
    const controller = new AbortController();
    requests.add(controller);
    try {
      const chunk = await ctx.network.snapshotChunk(
        peer,
        { stateRoot: manifest.stateRoot, index },
        controller.signal,
      );
      if (chunk.index !== index)
        throw new SnapshotError('snapshot.chunk-index', `asked for ${index}, got ${chunk.index}`);
      await imp.addChunk(chunk);
      ctx.report(peer, {
        kind: 'success',
        latencyMs: ctx.clock.now() - started,
        bytes: chunk.data.length,
        items: 1,
      });
      chunks.delete(index);
      ctx.progress.advance(1);
      options.onChunk?.(chunks.size);
    } catch (err) {
      if (err instanceof SnapshotError) {
        ctx.report(peer, { kind: 'invalid-data', check: chunkCheck(err), height: manifest.height });
      } else if (err instanceof RequestError) {
        if (err.kind === 'aborted' || controller.signal.aborted) return;
        ctx.report(peer, {
          kind: 'failure',
          failure: err.kind,
          ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
        });
        if (err.kind === 'rate-limited') return;
      } else {
        throw err;
      }
      state.attempts++;
      state.excluded.add(peer);
    } finally {
      requests.delete(controller);
      state.inFlight = false;
      ctx.peers.release(peer);
    }
  };

  const pick = (state: ChunkState): PeerId | undefined => {
    const connected = new Set(ctx.network.connectedPeers());
    const usable = (p: PeerId) => serving.has(p) && connected.has(p) && !ctx.peers.isBanned(p);
    let candidates = ctx.peers
      .selectPeers({ minHeight: manifest.height, count: servers.length, exclude: state.excluded })
      .filter(usable);
    if (
      candidates.length === 0 &&
      state.excluded.size > 0 &&
      servers.every((p) => state.excluded.has(p) || !usable(p))
    ) {
      state.excluded.clear();
      candidates = ctx.peers
        .selectPeers({ minHeight: manifest.height, count: servers.length })
        .filter(usable);
    }
    for (const peer of candidates) if (ctx.peers.acquire(peer)) return peer;
    return undefined;
  };

  try {
    while (chunks.size > 0) {
      if (fatal) throw fatal.error;
      throwIfAborted(signal);
      let inFlight = 0;
      for (const state of chunks.values()) if (state.inFlight) inFlight++;
      for (const [index, state] of chunks) {
        if (inFlight >= parallel) break;
        if (state.inFlight) continue;
        if (state.attempts >= maxAttempts) {
          throw new StrategyError(
            'strategy.attempts-exhausted',
            `snapshot chunk ${index} failed ${state.attempts} times`,
          );
        }
        const peer = pick(state);
        if (!peer) continue;
        state.inFlight = true;
        inFlight++;
        const task = fetchChunk(index, state, peer)
          .catch((error: unknown) => {
            fatal ??= { error };
          })
          .finally(() => {
            tasks.delete(task);
            wake.notify();
          });
        tasks.add(task);
      }
      await wake.wait(inFlight > 0 ? undefined : (options.idleWaitMs ?? 200), signal);
    }
  } finally {
    signal.removeEventListener('abort', abortAll);
    abortAll();
    await Promise.allSettled([...tasks]);
  }
}
