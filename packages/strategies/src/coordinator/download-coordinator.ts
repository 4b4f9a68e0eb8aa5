import {
  type PeerId,
  type PeerSummary,
  RequestError,
  type SyncContext,
  type TrustedPoint,
  throwIfAborted,
} from '@hotsync/core';
import { StrategyError } from '../errors.js';
import { Wakeup } from '../util/wakeup.js';
import { AdaptiveRangeSize } from './adaptive-range-size.js';
import { Batch } from './batch-state.js';
import {
  describeGap,
  gapAt,
  type PeerCoverage,
  peerCoverage,
  peersServing,
  servableEnd,
} from './coverage.js';
import { blockingBatch, capReadMs, hedgeDelayMs } from './hedging.js';
import { type CoordinatorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { nextRangeSize, pickPeer } from './scheduler.js';
import { type CoordinatorStats, StatsRecorder } from './stats.js';
import { reportRejection, verifyBatchData } from './verify-stage.js';
import { LookaheadWindow } from './window.js';

export type { CoordinatorOptions } from './options.js';

/** Peers asked for one range at once: the first, a hedge, and a second hedge when that one is stuck too. */
const MAX_PEERS_PER_RANGE = 3;

export type CoordinatorOutcome =
  | { readonly kind: 'reached'; readonly height: number }
  | { readonly kind: 'incomplete'; readonly height: number; readonly reason: string }
  | { readonly kind: 'yielded'; readonly height: number; readonly reason: string };

/**
 * The download coordinator (DESIGN §5): ranges from many peers at once, through the batch
 * state machine of `batch-state.ts`, within a bounded look-ahead window, at most
 * `parallelDownloads` requests in flight (and the peer manager's per-peer limit), adaptive
 * range sizes, retries on another peer, blame on the exact sender. Three stages overlap:
 * downloads run whenever the window has room; verification takes the next range in height
 * order as soon as its data is there, against the verified tip of the range before (not
 * yet stored); execution and storage (`ctx.commit`) take verified ranges in order. So
 * range k+1 is verified while range k executes, and neither waits for the network while
 * data is at hand.
 */
export class DownloadCoordinator {
  private readonly settings: ResolvedOptions;
  private readonly window: LookaheadWindow;
  private readonly sizer: AdaptiveRangeSize;
  private readonly stats = new StatsRecorder();
  private readonly wake: Wakeup;
  /** Open batches in height order; a batch leaves when it is stored. */
  private readonly batches: Batch[] = [];
  /** Requests in flight (two for a hedged range). */
  private readonly downloads = new Set<AbortController>();
  private readonly tasks = new Set<Promise<void>>();
  /** When the blocking range was last hedged: a hedge that gets stuck too is hedged once more. */
  private readonly hedgedAt = new WeakMap<Batch, number>();
  private nextFrom: number;
  private nextId = 0;
  /** Tip of the last verified range (stored or not): the next range is verified against it. */
  private verifiedTip: TrustedPoint;
  /** Bumped when verified ranges are invalidated, so a verification in flight is not trusted. */
  private generation = 0;
  private verifying = false;
  private committing = false;
  private signal: AbortSignal = new AbortController().signal;
  private fatal: { readonly error: unknown } | undefined;
  private stopped: CoordinatorOutcome | undefined;

  constructor(
    private readonly ctx: SyncContext,
    private readonly target: number,
    private readonly options: CoordinatorOptions = {},
  ) {
    this.settings = resolveOptions(ctx.config, options);
    this.sizer = new AdaptiveRangeSize(this.settings.rangeSize);
    this.window = new LookaheadWindow(this.settings.window);
    this.wake = new Wakeup(ctx.clock);
    this.verifiedTip = ctx.trusted();
    this.nextFrom = this.verifiedTip.height + 1;
  }

  /** Runs until the store's tip reaches the target, the run is stopped, or it cannot go on. */
  async run(signal: AbortSignal): Promise<CoordinatorOutcome> {
    // One listener on the caller's signal for the whole run; each download has its own controller.
    const stages = new AbortController();
    const abortAll = () => {
      stages.abort(signal.reason);
      for (const download of this.downloads) download.abort(signal.reason);
    };
    signal.addEventListener('abort', abortAll, { once: true });
    this.signal = stages.signal;
    try {
      for (;;) {
        if (this.fatal) throw this.fatal.error;
        throwIfAborted(signal);
        const height = this.ctx.trusted().height;
        if (height >= this.target) return { kind: 'reached', height };
        if (this.stopped) return this.stopped;
        const reason = this.committing ? undefined : this.options.yieldWhen?.();
        if (reason) return { kind: 'yielded', height, reason };
        const summaries = this.ctx.peers.peers();
        const connected = new Set(this.ctx.network.connectedPeers());
        const coverage = peerCoverage(summaries);
        this.plan(coverage, connected);
        this.stopAtGap(coverage);
        this.dispatch(summaries, connected);
        const hedgeInMs = this.hedge(summaries, connected);
        this.process();
        const busy = this.downloads.size > 0 || this.verifying || this.committing;
        await this.wake.wait(busy ? hedgeInMs : this.settings.idleWaitMs, signal);
      }
    } finally {
      signal.removeEventListener('abort', abortAll);
      abortAll();
      // Every task settles (downloads see the abort): peers are released, nothing changes later.
      await Promise.allSettled([...this.tasks]);
    }
  }

  /** What the run did so far (window high-water marks, requests, range sizes, per peer). */
  snapshot(): CoordinatorStats {
    const s = this.stats;
    return {
      requests: s.requests,
      retries: s.retries,
      hedges: s.hedges,
      blocksDownloaded: s.blocksDownloaded,
      bytesDownloaded: s.bytesDownloaded,
      rangesCommitted: s.rangesCommitted,
      blocksCommitted: s.blocksCommitted,
      failures: s.failures,
      rejected: s.rejected,
      endProofs: { ...s.endProofs },
      maxInFlight: s.maxInFlight,
      window: { limits: this.window.limits, highWater: this.window.highWater() },
      rangeSize: {
        current: this.sizer.current(),
        smallest: Number.isFinite(s.smallestRange) ? s.smallestRange : 0,
        largest: s.largestRange,
        model: this.sizer.model(),
      },
      peers: s.peerSnapshot(),
    };
  }

  // ---- planning and downloads ------------------------------------------------------

  /**
   * Opens ranges from `nextFrom` while the window has room. A range is served whole by one
   * peer, so it never runs past the end of the longest peer coverage from its start: ranges
   * are cut where peers' [earliest, proven] intervals end (a peer behind the tip, pruned
   * peers above it), and none is opened at a height nobody holds.
   */
  private plan(coverage: readonly PeerCoverage[], connected: ReadonlySet<PeerId>): void {
    while (this.nextFrom <= this.target) {
      const end = servableEnd(coverage, this.nextFrom);
      if (end === undefined) return;
      const size = nextRangeSize({
        nextFrom: this.nextFrom,
        target: Math.min(this.target, end),
        sizer: this.sizer,
        maxRange: this.settings.rangeSize.max,
        usablePeers: peersServing(coverage, this.nextFrom, this.nextFrom).filter((c) => connected.has(c.peer))
          .length,
      });
      const reserve = size + this.settings.extras;
      if (!this.window.canOpen(reserve)) return;
      this.window.open(reserve);
      const to = this.nextFrom + size - 1;
      this.batches.push(new Batch(this.nextId++, this.nextFrom, to, reserve, this.options.onTransition));
      this.nextFrom = to + 1;
    }
  }

  /**
   * Everything below `nextFrom` is stored and no peer holds `nextFrom`: waiting cannot
   * help (a peer that is merely away still counts as holding its heights), so the run
   * stops with the heights nobody has, for the manager's recovery to look for new peers.
   */
  private stopAtGap(coverage: readonly PeerCoverage[]): void {
    if (this.batches.length > 0 || this.nextFrom > this.target) return;
    const gap = gapAt(coverage, this.nextFrom, this.target);
    if (!gap) return;
    throw new StrategyError('strategy.heights-unavailable', describeGap(gap, coverage), { ...gap });
  }

  /** Gives waiting ranges, lowest first, to the best free peers that can serve them. */
  private dispatch(
    summaries: ReturnType<SyncContext['peers']['peers']>,
    connected: ReadonlySet<PeerId>,
  ): void {
    for (const batch of this.batches) {
      if (this.downloads.size >= this.settings.parallelDownloads) return;
      const state = batch.state;
      if (state.kind !== 'awaiting-download' && state.kind !== 'failed') continue;
      if (state.attempts >= this.settings.maxAttempts) {
        this.stopped = {
          kind: 'incomplete',
          height: this.ctx.trusted().height,
          reason: `range ${batch.from}..${batch.to} failed ${state.attempts} times${state.kind === 'failed' ? ` (last: ${state.reason})` : ''}`,
        };
        return;
      }
      const rank = (p: PeerId) => this.stats.dispatchRank(p);
      const peer = pickPeer(this.ctx, batch, summaries, connected, [], rank);
      if (!peer) continue;
      // A peer that failed us in this run and never delivered (withholding, say) gets a range
      // only while no peer that delivered is connected: the range waits for a free slot there.
      if (rank(peer) === 2 && summaries.some((s) => connected.has(s.peer) && rank(s.peer) === 0)) continue;
      this.download(batch, peer);
    }
  }

  private download(batch: Batch, peer: PeerId): void {
    const controller = new AbortController();
    const from = batch.from;
    const count = Math.min(batch.to - from + 1 + this.settings.extras, this.settings.maxBlocksPerRequest);
    if (batch.state.kind === 'failed') this.stats.retries++;
    if (batch.state.kind === 'downloading') {
      this.stats.hedges++;
      batch.apply({ type: 'hedge', peer });
    } else {
      batch.apply({ type: 'dispatch', peer, atMs: this.ctx.clock.now() });
    }
    this.downloads.add(controller);
    this.stats.requestStarted(peer, batch.to - from + 1);
    this.track(async () => {
      const started = this.ctx.clock.now();
      try {
        const blocks = await this.ctx.network.blocksByRange(
          peer,
          { startHeight: from, count },
          controller.signal,
        );
        this.landed(batch, peer, from, blocks, this.ctx.clock.now() - started);
      } catch (err) {
        if (!(err instanceof RequestError)) throw err;
        this.downloadFailed(batch, peer, err, controller.signal.aborted);
      } finally {
        this.downloads.delete(controller);
        this.ctx.peers.release(peer);
      }
    });
  }

  private landed(batch: Batch, peer: PeerId, from: number, blocks: Uint8Array[], latencyMs: number): void {
    const bytes = blocks.reduce((n, b) => n + b.length, 0);
    this.stats.requestEnded(peer, { blocks: blocks.length, bytes });
    const state = batch.state;
    // The other request of a hedged range won: this data is not needed (nor checked, so not credited).
    if (state.kind !== 'downloading' || !state.peers.includes(peer)) return;
    if (blocks.length === 0) {
      this.ctx.report(peer, { kind: 'failure', failure: 'unavailable' });
      batch.excluded.add(peer);
      batch.apply({ type: 'download-failed', peer, reason: `${peer} sent no blocks`, attempt: true });
      return;
    }
    this.sizer.record({ blocks: blocks.length, durationMs: latencyMs });
    this.window.hold(blocks.length);
    batch.apply({ type: 'downloaded', data: { peer, from, blocks, bytes, latencyMs } });
  }

  private downloadFailed(batch: Batch, peer: PeerId, err: RequestError, cancelled: boolean): void {
    const state = batch.state;
    const mine = state.kind === 'downloading' && state.peers.includes(peer);
    if (cancelled || err.kind === 'aborted') {
      this.stats.requestEnded(peer, 'cancelled');
      if (mine) batch.apply({ type: 'cancelled', peer });
      return;
    }
    this.stats.requestEnded(peer, 'failed');
    this.ctx.report(peer, {
      kind: 'failure',
      failure: err.kind,
      ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
    });
    // Reported even when the other request of a hedged range already won: a withholding peer pays for it.
    if (!mine) return;
    // Back-pressure is a wait, not a failure: the peer manager keeps the peer aside meanwhile.
    const attempt = err.kind !== 'rate-limited';
    if (attempt) batch.excluded.add(peer);
    batch.apply({ type: 'download-failed', peer, reason: `${err.kind} from ${peer}`, attempt });
  }

  /**
   * Hedges the range that holds up the pipeline (the first whose data is not there): when
   * it has been downloading for well over the expected time, a second peer is asked too,
   * and a third when the second is as stuck (many withholding peers). The slow requests are
   * left to finish or time out (and be reported): a withholding peer is still blamed, but no
   * longer stalls every range behind it. Returns the ms until the next check is due, if one is.
   */
  private hedge(summaries: readonly PeerSummary[], connected: ReadonlySet<PeerId>): number | undefined {
    const fixed = this.options.hedgeAfterMs;
    if (fixed === false) return undefined;
    const head = blockingBatch(this.batches);
    const state = head?.state;
    if (!head || state?.kind !== 'downloading' || state.peers.length >= MAX_PEERS_PER_RANGE) return undefined;
    const after = Math.max(
      hedgeDelayMs(head.to - head.from + 1, this.sizer.model(), fixed),
      fixed === undefined ? this.capHedgeFloorMs() : 0,
    );
    const waited = this.ctx.clock.now() - Math.max(state.startedAtMs, this.hedgedAt.get(head) ?? 0);
    // Whole milliseconds, at least one: a wait of a fraction would wake at the same instant again.
    if (waited < after) return Math.max(1, Math.ceil(after - waited));
    if (this.downloads.size >= this.settings.parallelDownloads) return undefined;
    // A hedge must not be a gamble: peers that delivered in this run go first, then idle ones.
    const peer = pickPeer(this.ctx, head, summaries, connected, state.peers, (p) => this.stats.hedgeRank(p));
    if (!peer) return this.settings.idleWaitMs;
    this.hedgedAt.set(head, this.ctx.clock.now());
    this.download(head, peer);
    // Checked again when this hedge may be stuck too.
    return state.peers.length + 1 < MAX_PEERS_PER_RANGE ? Math.max(1, Math.ceil(after)) : undefined;
  }

  /**
   * The least hedge delay under a download cap (0 without one): twice what the cap needs to
   * read everything downloading now (a hedged range counts once per peer asked); before any
   * block size is known, the first-byte timeout (a peer that sends nothing is caught by it
   * anyway, and a hedge before it would only spend the cap twice).
   */
  private capHedgeFloorMs(): number {
    const { network, peers } = this.ctx.config;
    if (network.bandwidthCapBytesPerSec <= 0) return 0;
    let blocks = 0;
    for (const b of this.batches) {
      if (b.state.kind === 'downloading') blocks += (b.to - b.from + 1) * b.state.peers.length;
    }
    const { blocksDownloaded, bytesDownloaded } = this.stats;
    const perBlock = blocksDownloaded > 0 ? bytesDownloaded / blocksDownloaded : undefined;
    const readMs = capReadMs(network.bandwidthCapBytesPerSec, blocks, perBlock);
    return readMs === undefined ? peers.firstByteTimeoutMs : 2 * readMs;
  }

  // ---- verification and storage, in height order ------------------------------------

  private process(): void {
    const head = this.batches[0];
    if (!this.committing && head?.state.kind === 'processing' && head.state.step.stage === 'verified') {
      this.commit(head);
    }
    if (this.verifying) return;
    const next = this.batches.find(
      (b) => !(b.state.kind === 'processing' && b.state.step.stage !== 'verifying'),
    );
    // A range verified short of its end leaves a gap that its rest, fetched again once it is
    // stored, fills: the next range waits for that.
    if (next?.state.kind === 'awaiting-processing' && next.state.data.from <= this.verifiedTip.height + 1) {
      this.verify(next);
    }
  }

  private verify(batch: Batch): void {
    const state = batch.apply({ type: 'verify' });
    if (state.kind !== 'processing') return;
    const data = state.data;
    const trusted = this.verifiedTip;
    const generation = this.generation;
    if (data.from > trusted.height + 1 || trusted.height >= batch.to) {
      throw new StrategyError(
        'strategy.invalid-transition',
        `range ${batch.from}..${batch.to} is not next after the verified tip ${trusted.height}`,
      );
    }
    this.verifying = true;
    this.track(async () => {
      try {
        const result = await verifyBatchData(this.ctx, data, batch.to, this.target, trusted, this.signal);
        if (generation !== this.generation) {
          batch.apply({ type: 'requeue' });
          return;
        }
        if (result.ok) {
          this.ctx.report(data.peer, {
            kind: 'success',
            latencyMs: data.latencyMs,
            bytes: data.bytes,
            items: result.range.blocks.length,
          });
          this.stats.endProofs[result.endProof]++;
          this.verifiedTip = result.range.tip;
          batch.apply({ type: 'verified', range: result.range });
          return;
        }
        // Blames exactly the sender of what failed; the range goes to another peer.
        const { peer, reason } = await reportRejection(this.ctx, result.failure, trusted, this.signal);
        this.dropData(batch, peer, reason);
      } finally {
        this.verifying = false;
      }
    });
  }

  private dropData(batch: Batch, peer: PeerId, reason: string): void {
    const state = batch.state;
    if (state.kind === 'processing') this.window.hold(-state.data.blocks.length);
    this.stats.rangeRejected(peer);
    batch.excluded.add(peer);
    batch.apply({ type: 'rejected', reason });
  }

  private commit(batch: Batch): void {
    const state = batch.apply({ type: 'commit' });
    if (state.kind !== 'processing' || state.step.stage !== 'committing') return;
    const { range } = state.step;
    const data = state.data;
    this.committing = true;
    this.track(async () => {
      try {
        const result = await this.ctx.commit(range);
        if (!result.ok) {
          const f = result.failure;
          const peer = f.peer ?? data.peer;
          this.ctx.report(peer, {
            kind: 'invalid-data',
            check: f.check,
            ...(f.height !== undefined && { height: f.height }),
          });
          this.dropData(batch, peer, `${peer}: ${f.check} at ${f.height ?? '?'}`);
          this.invalidateVerified();
          return;
        }
        const end = range.tip.height;
        this.window.hold(-data.blocks.length);
        this.stats.rangesCommitted++;
        this.stats.blocksCommitted += range.blocks.length;
        this.ctx.progress.advance(range.blocks.length);
        if (end < batch.to) {
          // Stored up to the latest provable block: the rest of the range is fetched again.
          batch.from = end + 1;
          batch.apply({ type: 'committed', rest: true });
          return;
        }
        batch.apply({ type: 'committed', rest: false });
        this.batches.shift();
        this.window.close(batch.reserved);
        const next = this.batches[0];
        if (next && next.from <= end) next.from = end + 1;
      } finally {
        this.committing = false;
      }
    });
  }

  /** Ranges verified against a tip that was not stored must be verified again (after it is fetched anew). */
  private invalidateVerified(): void {
    this.generation++;
    for (const b of this.batches) {
      if (b.state.kind === 'processing' && b.state.step.stage === 'verified') b.apply({ type: 'requeue' });
    }
    this.verifiedTip = this.ctx.trusted();
  }

  /** Runs a task; an unexpected error becomes the run's failure; every ending wakes the loop. */
  private track(task: () => Promise<void>): void {
    const p = task()
      .catch((error: unknown) => {
        this.fatal ??= { error };
      })
      .finally(() => {
        this.tasks.delete(p);
        this.wake.notify();
      });
    this.tasks.add(p);
  }
}
