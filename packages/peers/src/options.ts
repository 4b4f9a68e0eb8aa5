import type { ChainStore, Clock, Logger, Metrics, Random, SyncConfig } from '@hotsync/core';
import { PeersError } from './errors.js';

/** The `peers` section of SyncConfig (maxSyncPeers, minSyncPeers, rotationIntervalMs, ...). */
export type PeersConfig = SyncConfig['peers'];

/** The part of a ChainStore the peer manager uses: ban persistence only. */
export type BanStore = Pick<ChainStore, 'putBan' | 'removeBan' | 'bans'>;

/**
 * Tunables that SyncConfig does not carry (yet). Every field has a default; the README's
 * scoring table documents them.
 */
export interface PeerTuning {
  readonly scoring: {
    /** Half-life of the exponential decay of every score component toward neutral (0). */
    readonly halfLifeMs: number;
    /** Cap on earned credit: goodwill is bounded so it cannot hide a later burst of faults. */
    readonly maxScore: number;
    /** Floor of each component. */
    readonly minScore: number;
    /** Credit for one useful response (a success that delivered at least one item). */
    readonly reward: number;
    /** Points taken per penalty level (fatal always drops to `minScore` and bans). */
    readonly points: { readonly high: number; readonly mid: number; readonly low: number };
    /** At or below: not selected (the peer rests until decay lifts it back). */
    readonly useThreshold: number;
    /** At or below: the network layer should close the connection. */
    readonly disconnectThreshold: number;
    /** At or below: banned. */
    readonly banThreshold: number;
  };
  readonly bans: {
    /** Ban length when the score crossed `banThreshold`. */
    readonly durationMs: number;
    /** Ban length after a fatal fault (forged or foreign data). */
    readonly fatalDurationMs: number;
  };
  readonly retryAfter: {
    /** Wait after a rate-limited reply that named no retry-after. */
    readonly defaultMs: number;
    /** Longest wait honoured (a peer cannot park itself in our book for days). */
    readonly maxMs: number;
  };
  readonly circuitBreaker: {
    /** Outcomes older than this do not count. */
    readonly windowMs: number;
    /** Outcomes needed in the window before the breaker may open. */
    readonly minSamples: number;
    /** Distinct failing peers needed before the breaker may open. */
    readonly minPeers: number;
    /** Share of failures (timeouts, disconnects) in the window above which it opens. */
    readonly failureRatio: number;
  };
  readonly health: {
    /** No status for this long: stale. */
    readonly staleAfterMs: number;
    /** This many timeouts in a row without a success: "keeps timing out". */
    readonly timeoutStreak: number;
  };
  readonly selection: {
    /** Weight multiplier for trusted peers (preferred, still verified). */
    readonly trustedWeight: number;
  };
  readonly rotation: {
    /** Worst active peers replaced per rotation round, at most. */
    readonly swapsPerRound: number;
  };
  readonly networkHeight: {
    /** Proven peers needed before the proven median is reported. */
    readonly minProvenPeers: number;
    /** Blocks above the estimate we may be before "ahead of the network" is flagged. */
    readonly aheadToleranceBlocks: number;
  };
  /** Weight of the newest sample in the latency and throughput moving averages, (0, 1]. */
  readonly movingAverageAlpha: number;
  /** Records kept for removed peers (their score memory) before the oldest are dropped. */
  readonly maxBookSize: number;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type PeerTuningInput = DeepPartial<PeerTuning>;

export const DEFAULT_TUNING: PeerTuning = deepFreeze({
  scoring: {
    halfLifeMs: 10 * 60_000,
    maxScore: 20,
    minScore: -100,
    reward: 0.5,
    points: { high: 10, mid: 5, low: 1 },
    useThreshold: -20,
    disconnectThreshold: -35,
    banThreshold: -50,
  },
  bans: { durationMs: 60 * 60_000, fatalDurationMs: 24 * 60 * 60_000 },
  retryAfter: { defaultMs: 1_000, maxMs: 5 * 60_000 },
  circuitBreaker: { windowMs: 10_000, minSamples: 6, minPeers: 3, failureRatio: 0.5 },
  health: { staleAfterMs: 2 * 60_000, timeoutStreak: 3 },
  selection: { trustedWeight: 2 },
  rotation: { swapsPerRound: 1 },
  networkHeight: { minProvenPeers: 1, aheadToleranceBlocks: 2 },
  movingAverageAlpha: 0.2,
  maxBookSize: 4_096,
});

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value))
    if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  return Object.freeze(value);
}

/** Everything the peer manager needs, injected: no hidden globals. */
export interface PeerManagerOptions {
  /** The `peers` section of SyncConfig, or the whole SyncConfig. */
  readonly config: PeersConfig | SyncConfig;
  readonly clock: Clock;
  /** Used only to break ties between equal peers, so simnet stays deterministic. */
  readonly random: Random;
  /** Where bans are persisted; without it bans live in memory only. */
  readonly store?: BanStore;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly tuning?: PeerTuningInput;
  /**
   * Are we overloaded right now (event-loop lag, CPU saturated)? While true, timeouts are
   * ours, not the peer's, and are not penalized.
   */
  readonly isOverloaded?: () => boolean;
}

function isWholeConfig(config: PeersConfig | SyncConfig): config is SyncConfig {
  return 'peers' in config && typeof config.peers === 'object';
}

export function peersConfigOf(config: PeersConfig | SyncConfig): PeersConfig {
  const peers = isWholeConfig(config) ? config.peers : config;
  if (peers.minSyncPeers > peers.maxSyncPeers) {
    throw new PeersError(
      'peers.invalid-option',
      `peers.minSyncPeers (${peers.minSyncPeers}) exceeds peers.maxSyncPeers (${peers.maxSyncPeers})`,
      { option: 'peers.minSyncPeers' },
    );
  }
  for (const key of ['maxSyncPeers', 'minSyncPeers', 'maxRequestsPerPeer', 'rotationIntervalMs'] as const) {
    if (!Number.isSafeInteger(peers[key]) || peers[key] <= 0) {
      throw new PeersError('peers.invalid-option', `peers.${key} must be a positive integer`, {
        option: `peers.${key}`,
        value: peers[key],
      });
    }
  }
  return peers;
}

function merge<T extends object>(base: T, input: DeepPartial<T> | undefined): T {
  if (input === undefined) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const current = (base as Record<string, unknown>)[key];
    out[key] =
      typeof current === 'object' && current !== null && typeof value === 'object'
        ? merge(current as object, value as DeepPartial<object>)
        : value;
  }
  return out as unknown as T;
}

function fail(option: string, message: string, value: unknown): never {
  throw new PeersError('peers.invalid-option', `tuning.${option} ${message}`, {
    option: `tuning.${option}`,
    value,
  });
}

function positive(option: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) fail(option, 'must be a positive finite number', value);
}

/** Fills defaults and checks the tunables fit together; throws PeersError naming the option. */
export function resolveTuning(input?: PeerTuningInput): PeerTuning {
  const t = merge(DEFAULT_TUNING, input);
  const s = t.scoring;
  positive('scoring.halfLifeMs', s.halfLifeMs);
  positive('scoring.maxScore', s.maxScore);
  positive('scoring.reward', s.reward);
  positive('scoring.points.high', s.points.high);
  positive('scoring.points.mid', s.points.mid);
  positive('scoring.points.low', s.points.low);
  // The thresholds must be ordered, or "stop using" could come after "ban".
  if (!(s.minScore <= s.banThreshold && s.banThreshold < s.disconnectThreshold)) {
    fail('scoring', 'needs minScore <= banThreshold < disconnectThreshold', s);
  }
  if (!(s.disconnectThreshold < s.useThreshold && s.useThreshold < 0)) {
    fail('scoring', 'needs disconnectThreshold < useThreshold < 0', s);
  }
  positive('bans.durationMs', t.bans.durationMs);
  positive('bans.fatalDurationMs', t.bans.fatalDurationMs);
  positive('retryAfter.defaultMs', t.retryAfter.defaultMs);
  positive('retryAfter.maxMs', t.retryAfter.maxMs);
  positive('circuitBreaker.windowMs', t.circuitBreaker.windowMs);
  positive('circuitBreaker.minSamples', t.circuitBreaker.minSamples);
  positive('circuitBreaker.minPeers', t.circuitBreaker.minPeers);
  if (!(t.circuitBreaker.failureRatio > 0 && t.circuitBreaker.failureRatio < 1)) {
    fail('circuitBreaker.failureRatio', 'must be in (0, 1)', t.circuitBreaker.failureRatio);
  }
  positive('health.staleAfterMs', t.health.staleAfterMs);
  positive('health.timeoutStreak', t.health.timeoutStreak);
  positive('selection.trustedWeight', t.selection.trustedWeight);
  if (!Number.isSafeInteger(t.rotation.swapsPerRound) || t.rotation.swapsPerRound < 0) {
    fail('rotation.swapsPerRound', 'must be a non-negative integer', t.rotation.swapsPerRound);
  }
  positive('networkHeight.minProvenPeers', t.networkHeight.minProvenPeers);
  if (!Number.isFinite(t.networkHeight.aheadToleranceBlocks) || t.networkHeight.aheadToleranceBlocks < 0) {
    fail('networkHeight.aheadToleranceBlocks', 'must be >= 0', t.networkHeight.aheadToleranceBlocks);
  }
  if (!(t.movingAverageAlpha > 0 && t.movingAverageAlpha <= 1)) {
    fail('movingAverageAlpha', 'must be in (0, 1]', t.movingAverageAlpha);
  }
  if (!Number.isSafeInteger(t.maxBookSize) || t.maxBookSize <= 0) {
    fail('maxBookSize', 'must be a positive integer', t.maxBookSize);
  }
  return t;
}
