import {
  type Clock,
  every,
  InvalidArgumentError,
  type Logger,
  noopMetrics,
  type PeerBan,
  type PeerId,
  type PeerManager,
  type PeerManagerEvent,
  type PeerSelectionRequest,
  type PeerStatus,
  type PeerSummary,
  type PenaltyLevel,
  type Random,
  type RequestFailureKind,
  type RequestOutcome,
  silentLogger,
  type Timer,
} from '@hotsync/core';
import { assertNever } from './assert-never.js';
import { BanList } from './bans.js';
import { CircuitBreaker, type CircuitSample, type CircuitState } from './circuit-breaker.js';
import { decayed } from './decay.js';
import { PeersError } from './errors.js';
import { isCoreEvent, type PeersEvent } from './events.js';
import { isStale, type PeerHealthReport } from './health.js';
import {
  assessPosition,
  estimateNetworkHeight,
  type HeightSample,
  type NetworkAssessment,
  type NetworkHeightReport,
  type NetworkPosition,
} from './network-height.js';
import {
  type PeerManagerOptions,
  type PeersConfig,
  type PeerTuning,
  peersConfigOf,
  resolveTuning,
} from './options.js';
import { PeerBook, type PeerRecord } from './peer-book.js';
import {
  invalidDataReason,
  makePeerMetrics,
  type PeerMetricHandles,
  type PeerMetricState,
} from './peer-metrics.js';
import { judgeFailure, levelForCheck, type PenaltyClass } from './penalties.js';
import { planRotation, type RotationPeer, type RotationPlan } from './rotation.js';
import { PeerScore, type ScoreStanding } from './scoring.js';
import {
  type Eligibility,
  eligibility,
  type RangeRequirement,
  referenceThroughput,
  selectionWeight,
  weightedSample,
} from './selection.js';

/** A selection request; `fromHeight` (the range start) also skips peers pruned above it. */
export interface SelectionRequest extends PeerSelectionRequest {
  readonly fromHeight?: number;
}

/** Everything the book knows about one peer, as a snapshot. */
export interface PeerDetails extends PeerSummary {
  readonly connected: boolean;
  /** In the active set (the peers sync works with now). */
  readonly active: boolean;
  /** False while no commit proof verified (then `provenHeight` reads 0). */
  readonly hasProvenHeight: boolean;
  readonly standing: ScoreStanding;
  readonly scoreComponents: { readonly liveness: number; readonly misbehaviour: number };
  readonly statusAtMs: number | undefined;
  /** Moving average of response time. */
  readonly latencyMs: number | undefined;
  /** Moving average of bytes per second per response. */
  readonly throughputBytesPerSec: number | undefined;
  readonly successes: number;
  readonly itemsServed: number;
  readonly bytesServed: number;
  readonly failures: Readonly<Record<RequestFailureKind, number>>;
  /** Invalid data by the verification check it failed. */
  readonly invalidData: Readonly<Record<string, number>>;
  readonly consecutiveTimeouts: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** Not selected before this time (a rate-limited reply's retry-after). */
  readonly waitingUntilMs: number | undefined;
  readonly ban: PeerBan | undefined;
}

export interface NetworkHeightOptions {
  /**
   * With too few proven heights, fall back on the median of claims; the result says
   * `proven: false`. Useful at start-up to pick a first target, never as a trusted one.
   */
  readonly allowUnproven?: boolean;
}

/** Ban reasons are cut to this many UTF-16 units: well within a store's 4 KiB text limit. */
const MAX_REASON_CHARS = 512;

/**
 * The peer manager (DESIGN §6), implementing core's `PeerManager` and more: a peer book,
 * decaying scores with four penalty levels, persisted bans, a circuit breaker, weighted
 * selection with per-peer request limits, periodic rotation, trusted peers and a robust
 * network height. Synchronous throughout (ban writes go to the store in the background), and
 * driven only by the injected clock and randomness.
 */
export class DefaultPeerManager implements PeerManager {
  readonly config: PeersConfig;
  readonly tuning: PeerTuning;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly isOverloadedProbe: (() => boolean) | undefined;
  private readonly book: PeerBook;
  private readonly banList: BanList;
  private readonly breaker: CircuitBreaker;
  /** The peers sync works with now, in order of joining. */
  private readonly active = new Set<PeerId>();
  private readonly listeners = new Set<(event: PeersEvent) => void>();
  private readonly metrics: PeerMetricHandles;
  private rotationTimer: Timer | undefined;
  private overloaded = false;
  private lastPosition: NetworkPosition['kind'] | undefined;

  constructor(options: PeerManagerOptions) {
    this.config = peersConfigOf(options.config);
    this.tuning = resolveTuning(options.tuning);
    this.clock = options.clock;
    this.random = options.random;
    this.logger = (options.logger ?? silentLogger).child({ component: 'peers' });
    this.isOverloadedProbe = options.isOverloaded;
    this.book = new PeerBook(this.tuning);
    this.breaker = new CircuitBreaker(this.tuning.circuitBreaker);
    this.metrics = makePeerMetrics(options.metrics ?? noopMetrics, {
      countByState: () => this.countByState(),
      connectedScores: () => {
        const now = this.clock.now();
        return [...this.book.connected()].map((r) => r.score.total(now));
      },
    });
    this.banList = new BanList(options.store, this.logger, (failure) =>
      this.emit({ type: 'store-error', failure }),
    );
    // Bans are loaded here rather than in start(): the connection gater may ask before.
    const { loaded, expired } = this.banList.load(this.clock.now());
    if (loaded.length > 0 || expired.length > 0) {
      this.logger.info({ loaded: loaded.length, expired: expired.length }, 'peer bans loaded');
    }
    this.updateGauges();
  }

  // --- lifecycle --------------------------------------------------------------------------

  /** Starts rotation on `peers.rotationIntervalMs`. Idempotent. */
  start(): void {
    if (this.rotationTimer) return;
    this.rotate();
    this.rotationTimer = every(this.clock, this.config.rotationIntervalMs, () => {
      try {
        this.rotate();
      } catch (err) {
        this.logger.error({ err }, 'peer rotation failed');
      }
    });
  }

  /** Stops rotation and waits for pending ban writes. The manager stays usable. */
  async stop(): Promise<void> {
    this.rotationTimer?.cancel();
    this.rotationTimer = undefined;
    await this.flush();
  }

  /** Resolves when every ban write issued so far reached the store (failures are events, not rejections). */
  flush(): Promise<void> {
    return this.banList.flush();
  }

  // --- the peer book ----------------------------------------------------------------------

  addPeer(peer: PeerId, options: { trusted?: boolean } = {}): void {
    checkPeerId(peer);
    const now = this.clock.now();
    const record = this.book.ensure(peer, now);
    if (options.trusted !== undefined) record.trusted = options.trusted;
    if (!record.connected) {
      record.connected = true;
      record.connectedAtMs = now;
      record.removedAtMs = undefined;
    }
    record.lastSeenMs = now;
    // Trusted peers always join the active set, even beyond maxSyncPeers: they are preferred.
    if (
      !this.banList.isBanned(peer, now) &&
      (record.trusted || this.active.size < this.config.maxSyncPeers)
    ) {
      this.active.add(peer);
    }
    this.updateGauges();
  }

  /** Forgets the connection; the record (and its score) stays, so reconnecting does not launder a score. */
  removePeer(peer: PeerId): void {
    const record = this.book.get(peer);
    if (!record?.connected) return;
    const now = this.clock.now();
    record.connected = false;
    record.removedAtMs = now;
    if (this.active.delete(peer)) this.refill(now);
    this.book.prune();
    this.updateGauges();
  }

  /** Ignored for peers not added (a late status from a removed peer must not resurrect it). */
  updateStatus(peer: PeerId, status: PeerStatus, provenHeight?: number): void {
    const record = this.book.get(peer);
    if (!record?.connected) return;
    checkHeight('status.height', status.height);
    checkHeight('status.earliestHeight', status.earliestHeight);
    const now = this.clock.now();
    record.status = status;
    record.statusAtMs = now;
    record.lastSeenMs = now;
    if (provenHeight !== undefined) {
      checkHeight('provenHeight', provenHeight);
      // A verified commit proof is a fact: a later, lower claim does not undo it.
      record.provenHeight = Math.max(record.provenHeight ?? 0, provenHeight);
    }
  }

  // --- outcomes and scoring ---------------------------------------------------------------

  /**
   * Learns from a finished request. A peer not in the book still gets its record (a fault
   * reported after the peer left is still its fault, and may ban it).
   */
  recordOutcome(peer: PeerId, outcome: RequestOutcome): void {
    checkPeerId(peer);
    if (outcome.kind === 'success') {
      checkCount('latencyMs', outcome.latencyMs);
      checkCount('bytes', outcome.bytes);
      checkCount('items', outcome.items);
    }
    const now = this.clock.now();
    const record = this.book.ensure(peer, now);
    record.lastSeenMs = now;
    switch (outcome.kind) {
      case 'success':
        this.recordSuccess(record, outcome, now);
        break;
      case 'failure':
        this.recordFailure(record, outcome.failure, outcome.retryAfterMs, now);
        break;
      case 'invalid-data': {
        record.tried = true;
        record.invalidData.set(outcome.check, (record.invalidData.get(outcome.check) ?? 0) + 1);
        // Bad data proves the network delivers: evidence against a systemic outage.
        this.breakerSample(peer, false, now);
        const where = outcome.height === undefined ? '' : ` at height ${outcome.height}`;
        this.penalize(
          record,
          levelForCheck(outcome.check),
          'misbehaviour',
          invalidDataReason(outcome.check),
          `invalid-data:${outcome.check}${where}`,
          now,
        );
        break;
      }
      default:
        assertNever(outcome);
    }
    this.book.prune();
  }

  private recordSuccess(
    record: PeerRecord,
    outcome: Extract<RequestOutcome, { kind: 'success' }>,
    now: number,
  ): void {
    record.tried = true;
    record.successes++;
    record.itemsServed += outcome.items;
    record.bytesServed += outcome.bytes;
    record.consecutiveTimeouts = 0;
    record.latency.add(outcome.latencyMs);
    // A zero-latency reply (virtual time, cached) says nothing about bandwidth.
    if (outcome.bytes > 0 && outcome.latencyMs > 0)
      record.throughput.add((outcome.bytes * 1000) / outcome.latencyMs);
    // Only useful replies earn credit: an empty success must not offset real faults.
    if (outcome.items > 0) record.score.reward(now);
    this.breakerSample(record.id, false, now);
    this.refreshDisconnectFlag(record, now);
  }

  private recordFailure(
    record: PeerRecord,
    failure: RequestFailureKind,
    retryAfterMs: number | undefined,
    now: number,
  ): void {
    record.failures[failure]++;
    const judgement = judgeFailure(failure);
    switch (judgement.kind) {
      case 'ours':
        return;
      case 'wait': {
        const { defaultMs, maxMs } = this.tuning.retryAfter;
        const wait =
          retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
            ? Math.min(retryAfterMs, maxMs)
            : defaultMs;
        record.retryAfterUntilMs = Math.max(record.retryAfterUntilMs, now + wait);
        // It answered: the network works.
        this.breakerSample(record.id, false, now);
        return;
      }
      case 'penalty': {
        record.tried = true;
        if (failure === 'timeout') record.consecutiveTimeouts++;
        if (!judgement.mayBeOurs) {
          this.breakerSample(record.id, false, now);
          const reason = `request:${failure}`;
          this.penalize(record, judgement.level, judgement.penaltyClass, reason, reason, now);
          return;
        }
        if (this.isOverloaded()) {
          // Our own fault: neither a penalty nor evidence about the network.
          this.metrics.suspended.inc(1, { cause: 'overload' });
          return;
        }
        const sample = this.breakerSample(record.id, true, now);
        if (this.breaker.state().state === 'open') {
          this.metrics.suspended.inc(1, { cause: 'circuit' });
          return;
        }
        sample.penalty = this.penalize(
          record,
          judgement.level,
          judgement.penaltyClass,
          `request:${failure}`,
          `request:${failure}`,
          now,
        );
        return;
      }
      default:
        assertNever(judgement);
    }
  }

  /** Adds an outcome to the circuit breaker's window and acts on a change of state. */
  private breakerSample(peer: PeerId, failed: boolean, now: number): CircuitSample {
    const sample = this.breaker.record(now, peer, failed);
    this.evaluateBreaker(now);
    return sample;
  }

  private evaluateBreaker(now: number): CircuitState {
    const { state, changed, refunds } = this.breaker.evaluate(now);
    if (!changed) return state;
    // Penalties taken in the window just before it opened were for the same outage.
    for (const refund of refunds) {
      const points = decayed(refund.penalty, now - refund.atMs, this.tuning.scoring.halfLifeMs);
      this.book.get(refund.peer)?.score.refund(now, 'liveness', points);
    }
    this.metrics.circuitOpen.set(state.state === 'open' ? 1 : 0);
    if (state.state === 'open') {
      this.logger.warn(
        { failureRatio: state.failureRatio, failingPeers: state.failingPeers, samples: state.samples },
        'most peers failing at once: suspecting our side or the network, timeouts and disconnects not penalized',
      );
    } else {
      this.logger.info('peer failures back to normal: penalties resume');
    }
    this.emit({ type: 'circuit', open: state.state === 'open', state });
    return state;
  }

  /**
   * Applies a penalty and its consequences; returns the points taken. `label` is the
   * bounded form of `reason` the metrics count by (no heights, no custom check names).
   */
  private penalize(
    record: PeerRecord,
    level: PenaltyLevel,
    penaltyClass: PenaltyClass,
    label: string,
    reason: string,
    now: number,
  ): number {
    // Trusted peers are never disconnected or banned for liveness: their score from slowness
    // stops halfway between "rest" and "disconnect". Bad data counts in full.
    const s = this.tuning.scoring;
    const floor =
      record.trusted && penaltyClass === 'liveness'
        ? (s.useThreshold + s.disconnectThreshold) / 2
        : undefined;
    const taken = record.score.penalize(now, level, penaltyClass, floor);
    if (taken <= 0 && level !== 'fatal') return 0;
    this.metrics.penalties.inc(1, { level, reason: label });
    // `penalty`, not `level`: pino keeps the line's own level under that key.
    this.logger.debug(
      { peer: record.id, penalty: level, reason, score: record.score.total(now) },
      'peer penalized',
    );
    this.emit({ type: 'penalized', peer: record.id, level, reason });
    const standing = record.score.standing(now);
    switch (standing) {
      case 'ban': {
        const duration = level === 'fatal' ? this.tuning.bans.fatalDurationMs : this.tuning.bans.durationMs;
        const score = record.score.total(now).toFixed(1);
        this.banPeer(record.id, label, `${reason} (${level}; score ${score})`, duration, now);
        break;
      }
      case 'disconnect':
        if (!record.disconnectRequested && record.connected) {
          record.disconnectRequested = true;
          this.emit({ type: 'disconnect', peer: record.id, reason });
        }
        break;
      case 'resting':
      case 'usable':
        break;
      default:
        assertNever(standing);
    }
    return taken;
  }

  private refreshDisconnectFlag(record: PeerRecord, now: number): void {
    if (record.disconnectRequested && record.score.total(now) > this.tuning.scoring.disconnectThreshold) {
      record.disconnectRequested = false;
    }
  }

  // --- bans -------------------------------------------------------------------------------

  /** Synchronous: the connection gater calls it for every inbound and outbound connection. */
  isBanned(peer: PeerId): boolean {
    return this.banList.isBanned(peer, this.clock.now());
  }

  /** Bans by hand (an operator's decision); never shortens a longer ban in force. */
  ban(peer: PeerId, reason: string, durationMs: number = this.tuning.bans.durationMs): PeerBan {
    checkPeerId(peer);
    if (!Number.isFinite(durationMs) || durationMs <= 0) {
      throw new PeersError(
        'peers.invalid-ban',
        `ban duration must be a positive number of ms, got ${durationMs}`,
        {
          peer,
          durationMs,
        },
      );
    }
    return this.banPeer(peer, 'manual', reason, durationMs, this.clock.now());
  }

  /** Lifts a ban by hand and gives the peer a fresh score. Returns false when it was not banned. */
  unban(peer: PeerId): boolean {
    const now = this.clock.now();
    const lifted = this.banList.remove(peer);
    if (!lifted) return false;
    const record = this.book.get(peer);
    if (record) {
      record.score = new PeerScore(this.tuning.scoring, now);
      record.disconnectRequested = false;
    }
    this.emit({ type: 'unbanned', peer, reason: 'manual' });
    this.updateGauges();
    return true;
  }

  /** Bans in force. */
  bans(): PeerBan[] {
    return this.banList.list(this.clock.now());
  }

  private banPeer(peer: PeerId, label: string, reason: string, durationMs: number, now: number): PeerBan {
    // Stores bound the text they keep; a custom check name must not make a ban unstorable.
    const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 3)}...` : reason;
    const { ban, changed } = this.banList.add({
      peer,
      reason: text,
      sinceMs: now,
      untilMs: now + durationMs,
    });
    if (!changed) return ban;
    this.metrics.bans.inc(1, { reason: label });
    this.logger.warn({ peer, reason, untilMs: ban.untilMs }, 'peer banned');
    if (this.active.delete(peer)) this.refill(now);
    this.updateGauges();
    this.emit({ type: 'banned', peer, reason, untilMs: ban.untilMs });
    return ban;
  }

  private liftExpiredBans(now: number): void {
    for (const ban of this.banList.removeExpired(now)) {
      this.logger.info({ peer: ban.peer }, 'peer ban expired');
      this.emit({ type: 'unbanned', peer: ban.peer, reason: 'expired' });
    }
  }

  // --- selection --------------------------------------------------------------------------

  /**
   * Up to `count` peers for a range, best first, drawn with weights from throughput, score
   * and free capacity (equal peers get equal shares; `random` breaks ties). Only peers that
   * proved a height at or above `minHeight` qualify; banned, waiting, resting and busy peers
   * never do. Active peers are preferred; others are drawn only when the active set has too
   * few, and then join it if there is room.
   */
  selectPeers(request: SelectionRequest): PeerId[] {
    if (!Number.isSafeInteger(request.count) || request.count < 0) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `count must be a non-negative integer, got ${request.count}`,
      );
    }
    checkHeight('minHeight', request.minHeight);
    if (request.fromHeight !== undefined) checkHeight('fromHeight', request.fromHeight);
    if (request.count === 0) return [];
    const now = this.clock.now();
    const range: RangeRequirement = { minHeight: request.minHeight, fromHeight: request.fromHeight };
    const pool: PeerRecord[] = [];
    const reserve: PeerRecord[] = [];
    const measured: number[] = [];
    for (const record of this.book.connected()) {
      const throughput = record.throughput.value;
      if (throughput !== undefined) measured.push(throughput);
      if (this.eligibilityOf(record, range, now, request.exclude) !== 'eligible') continue;
      (this.active.has(record.id) ? pool : reserve).push(record);
    }
    const candidates = pool.length >= request.count ? pool : pool.concat(reserve);
    const reference = referenceThroughput(measured);
    const s = this.tuning.scoring;
    const params = {
      referenceThroughput: reference,
      scoreScale: -s.useThreshold,
      maxScore: s.maxScore,
      trustedWeight: this.tuning.selection.trustedWeight,
    };
    const weighted = candidates.map((record) => ({
      id: record.id,
      weight: selectionWeight(
        {
          score: record.score.total(now),
          throughput: record.throughput.value,
          inFlight: record.inFlight,
          maxInFlight: this.config.maxRequestsPerPeer,
          trusted: record.trusted,
        },
        params,
      ),
    }));
    const picked = weightedSample(weighted, request.count, this.random);
    for (const id of picked) {
      if (!this.active.has(id) && this.active.size < this.config.maxSyncPeers) this.active.add(id);
    }
    return picked;
  }

  /** Why `peer` would or would not be selected for a range ending at `minHeight` now. */
  eligibility(peer: PeerId, range: RangeRequirement): Eligibility {
    const record = this.book.get(peer);
    if (!record) return 'disconnected';
    return this.eligibilityOf(record, range, this.clock.now(), undefined);
  }

  private eligibilityOf(
    record: PeerRecord,
    range: RangeRequirement,
    now: number,
    exclude: ReadonlySet<PeerId> | undefined,
  ): Eligibility {
    return eligibility(
      {
        excluded: exclude?.has(record.id) ?? false,
        connected: record.connected,
        banned: this.banList.isBanned(record.id, now),
        waiting: record.retryAfterUntilMs > now,
        standing: record.score.standing(now),
        inFlight: record.inFlight,
        maxInFlight: this.config.maxRequestsPerPeer,
        servableHeight: servableHeight(record),
        earliestHeight: record.status?.earliestHeight,
      },
      range,
    );
  }

  /** Takes one of the peer's `maxRequestsPerPeer` slots; false when full or the peer is unusable. */
  acquire(peer: PeerId): boolean {
    const record = this.book.get(peer);
    if (!record) return false;
    const now = this.clock.now();
    const verdict = this.eligibilityOf(record, { minHeight: 0 }, now, undefined);
    // Height is the caller's business here (it selected for a range already).
    if (verdict !== 'eligible' && verdict !== 'too-short') return false;
    record.inFlight++;
    return true;
  }

  release(peer: PeerId): void {
    const record = this.book.get(peer);
    if (record && record.inFlight > 0) record.inFlight--;
  }

  // --- network height ---------------------------------------------------------------------

  /** Median of connected, unbanned peers' proven heights (see NetworkHeightReport). */
  networkHeight(options: NetworkHeightOptions = {}): NetworkHeightReport {
    const now = this.clock.now();
    const samples: HeightSample[] = [];
    for (const record of this.book.connected()) {
      if (this.banList.isBanned(record.id, now)) continue;
      samples.push({ peer: record.id, claimed: record.status?.height, proven: record.provenHeight });
    }
    return estimateNetworkHeight(samples, {
      minProvenPeers: this.tuning.networkHeight.minProvenPeers,
      allowUnproven: options.allowUnproven ?? false,
    });
  }

  /**
   * Our height against the network's: behind, in sync, or ahead (a possible fork or
   * partition). Emits a `position` event when the kind of position changes.
   */
  assessNetwork(ourHeight: number, options: NetworkHeightOptions = {}): NetworkAssessment {
    checkHeight('ourHeight', ourHeight);
    const estimate = this.networkHeight(options);
    const position = assessPosition(
      ourHeight,
      estimate.height,
      this.tuning.networkHeight.aheadToleranceBlocks,
    );
    if (position.kind !== this.lastPosition) {
      this.lastPosition = position.kind;
      if (position.kind === 'ahead') {
        this.logger.warn(
          { ourHeight, networkHeight: estimate.height, proven: estimate.proven },
          'ahead of the network: possible fork or partition',
        );
      }
      this.emit({
        type: 'position',
        ourHeight,
        networkHeight: estimate.height,
        proven: estimate.proven,
        position,
      });
    }
    return { ourHeight, estimate, position };
  }

  // --- rotation ---------------------------------------------------------------------------

  /**
   * One rotation round now (the timer calls it every `peers.rotationIntervalMs`): lifts
   * expired bans, drops gone and banned peers from the active set, fills free seats, and
   * replaces the worst active peers with untried or recovered ones. Trusted peers stay.
   */
  rotate(): RotationPlan {
    const now = this.clock.now();
    this.liftExpiredBans(now);
    this.evaluateBreaker(now);
    for (const record of this.book.connected()) this.refreshDisconnectFlag(record, now);
    const plan = this.applyRotation(now, this.tuning.rotation.swapsPerRound);
    this.book.prune();
    this.updateGauges();
    return plan;
  }

  /** Keeps the active set full after a peer left it; replaces dead weight, no other swaps. */
  private refill(now: number): void {
    this.applyRotation(now, 0);
  }

  private applyRotation(now: number, swaps: number): RotationPlan {
    for (const id of [...this.active]) {
      const record = this.book.get(id);
      if (!record?.connected || this.banList.isBanned(id, now)) this.active.delete(id);
    }
    const active: RotationPeer[] = [];
    const candidates: RotationPeer[] = [];
    for (const record of this.book.connected()) {
      if (this.banList.isBanned(record.id, now)) continue;
      (this.active.has(record.id) ? active : candidates).push(this.rotationView(record, now));
    }
    // Join order, so "stable" means the same thing on every run.
    const order = [...this.active];
    active.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    const plan = planRotation({ active, candidates, maxActive: this.config.maxSyncPeers, swaps });
    for (const id of plan.remove) this.active.delete(id);
    for (const id of plan.add) this.active.add(id);
    if (plan.add.length > 0 || plan.remove.length > 0) {
      this.logger.debug({ added: plan.add, removed: plan.remove }, 'active peers rotated');
      this.emit({ type: 'rotated', added: plan.add, removed: plan.remove });
    }
    return plan;
  }

  private rotationView(record: PeerRecord, now: number): RotationPeer {
    return {
      id: record.id,
      trusted: record.trusted,
      usable: record.retryAfterUntilMs <= now && record.score.standing(now) === 'usable',
      stale: isStale(record.statusAtMs, record.connectedAtMs, now, this.tuning.health.staleAfterMs),
      tried: record.tried,
      score: record.score.total(now),
    };
  }

  /** The active set, in order of joining. */
  activePeers(): PeerId[] {
    return [...this.active];
  }

  // --- reports ----------------------------------------------------------------------------

  /** Connected peers. */
  peers(): readonly PeerSummary[] {
    const now = this.clock.now();
    return [...this.book.connected()].map((r) => this.summaryOf(r, now));
  }

  /** Everything known about one peer (connected or not), or undefined when never seen. */
  peer(peer: PeerId): PeerDetails | undefined {
    const record = this.book.get(peer);
    if (!record) return undefined;
    const now = this.clock.now();
    return {
      ...this.summaryOf(record, now),
      connected: record.connected,
      active: this.active.has(peer),
      hasProvenHeight: record.provenHeight !== undefined,
      standing: record.score.standing(now),
      scoreComponents: record.score.components(now),
      statusAtMs: record.statusAtMs,
      latencyMs: record.latency.value,
      throughputBytesPerSec: record.throughput.value,
      successes: record.successes,
      itemsServed: record.itemsServed,
      bytesServed: record.bytesServed,
      failures: { ...record.failures },
      invalidData: Object.fromEntries(record.invalidData),
      consecutiveTimeouts: record.consecutiveTimeouts,
      firstSeenMs: record.firstSeenMs,
      lastSeenMs: record.lastSeenMs,
      waitingUntilMs: record.retryAfterUntilMs > now ? record.retryAfterUntilMs : undefined,
      ban: this.banList.get(peer, now),
    };
  }

  /** The peer's score now (0 for a peer never seen). */
  score(peer: PeerId): number {
    return this.book.get(peer)?.score.total(this.clock.now()) ?? 0;
  }

  /** Whether timeouts and disconnects are being penalized (closed) or suspected to be ours (open). */
  circuit(): CircuitState {
    return this.evaluateBreaker(this.clock.now());
  }

  /** Stale peers, peers that keep timing out, the minimum, the breaker and the overload flag. */
  health(): PeerHealthReport {
    const now = this.clock.now();
    const stale: PeerId[] = [];
    const timingOut: PeerId[] = [];
    for (const record of this.book.connected()) {
      if (isStale(record.statusAtMs, record.connectedAtMs, now, this.tuning.health.staleAfterMs))
        stale.push(record.id);
      if (record.consecutiveTimeouts >= this.tuning.health.timeoutStreak) timingOut.push(record.id);
    }
    let usableActive = 0;
    for (const id of this.active) {
      const record = this.book.get(id);
      if (record && this.rotationView(record, now).usable && !this.banList.isBanned(id, now)) usableActive++;
    }
    return {
      stale,
      timingOut,
      usableActive,
      belowMinimum: usableActive < this.config.minSyncPeers,
      circuit: this.evaluateBreaker(now),
      overloaded: this.isOverloaded(),
    };
  }

  /**
   * Tells the manager we are overloaded (or no longer): while set, timeouts and disconnects
   * are treated as ours. Combined with the `isOverloaded` probe given at construction.
   */
  setOverloaded(overloaded: boolean): void {
    this.overloaded = overloaded;
  }

  private isOverloaded(): boolean {
    return this.overloaded || (this.isOverloadedProbe?.() ?? false);
  }

  private summaryOf(record: PeerRecord, now: number): PeerSummary {
    return {
      peer: record.id,
      score: record.score.total(now),
      trusted: record.trusted,
      banned: this.banList.isBanned(record.id, now),
      status: record.status,
      provenHeight: record.provenHeight ?? 0,
      inFlight: record.inFlight,
    };
  }

  // --- events -----------------------------------------------------------------------------

  /** Core's events only (`penalized`, `banned`); returns the unsubscribe function. */
  onEvent(listener: (event: PeerManagerEvent) => void): () => void {
    return this.onPeersEvent((event) => {
      if (isCoreEvent(event)) listener(event);
    });
  }

  /** Every event, including `disconnect`, `circuit`, `rotated`, `unbanned`, `position`, `store-error`. */
  onPeersEvent(listener: (event: PeersEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A listener that throws is logged and does not stop the others or the manager's bookkeeping. */
  private emit(event: PeersEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'peer event listener threw');
      }
    }
  }

  private updateGauges(): void {
    let connected = 0;
    for (const _ of this.book.connected()) connected++;
    this.metrics.connected.set(connected);
    this.metrics.active.set(this.active.size);
    this.metrics.banned.set(this.banList.list(this.clock.now()).length);
  }

  /** Connected peers by standing (active ones apart), and bans in force: `hotsync_peers`. */
  private countByState(): Record<PeerMetricState, number> {
    const now = this.clock.now();
    const counts: Record<PeerMetricState, number> = {
      active: 0,
      standby: 0,
      resting: 0,
      disconnecting: 0,
      banned: this.banList.list(now).length,
    };
    for (const record of this.book.connected()) {
      if (this.banList.isBanned(record.id, now)) continue; // counted as banned until it is gone
      const standing = record.score.standing(now);
      switch (standing) {
        case 'usable':
          counts[this.active.has(record.id) ? 'active' : 'standby']++;
          break;
        case 'resting':
          counts.resting++;
          break;
        case 'disconnect':
        case 'ban':
          counts.disconnecting++;
          break;
        default:
          assertNever(standing);
      }
    }
    return counts;
  }
}

/** Creates a peer manager: `{ config, clock, random, store?, logger?, metrics?, tuning? }`. */
export function createPeerManager(options: PeerManagerOptions): DefaultPeerManager {
  return new DefaultPeerManager(options);
}

/** What the peer can serve up to: proven, and not more than it claims now (it may have lost data). */
function servableHeight(record: PeerRecord): number | undefined {
  if (record.provenHeight === undefined) return undefined;
  return record.status ? Math.min(record.provenHeight, record.status.height) : record.provenHeight;
}

function checkPeerId(peer: PeerId): void {
  if (typeof peer !== 'string' || peer.length === 0) {
    throw new InvalidArgumentError('arg.empty', 'peer id must be a non-empty string');
  }
}

function checkHeight(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      'arg.not-safe-integer',
      `${name} must be a non-negative safe integer, got ${value}`,
    );
  }
}

function checkCount(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError('arg.out-of-range', `${name} must be a non-negative number, got ${value}`);
  }
}
