import {
  BandwidthCap,
  type ChainStore,
  type Clock,
  type CodecLimits,
  DEFAULT_CODEC_LIMITS,
  type Logger,
  type Metrics,
  noopMetrics,
  type PeerManager,
  parseSyncConfig,
  type SyncConfig,
  type SyncConfigInput,
  silentLogger,
  systemClock,
  WIRE_METHODS,
  type WireLimits,
  type WireMethod,
  wireLimits,
} from '@hotsync/core';
import { NetworkError } from './errors.js';
import { DEFAULT_WRITE_BYTES } from './framing.js';
import { NetworkMetrics } from './network-metrics.js';
import type { RateQuota } from './rate-limiter.js';

/** Deadlines on the injected clock (DESIGN §8). */
export interface NetworkTimeouts {
  /** Outbound: from opening the stream to the first response byte (`peers.firstByteTimeoutMs`). */
  readonly firstByteMs: number;
  /** Outbound: longest silence between two pieces of a response once it started. */
  readonly betweenChunksMs: number;
  /** Outbound: the whole request, stream opening to last byte (`peers.peerTimeoutMs`). */
  readonly requestMs: number;
  /** Inbound: from the stream opening to the whole request read (slow or silent requesters). */
  readonly inboundRequestMs: number;
  /** Inbound: writing the whole response (a requester that stops reading is cut off). */
  readonly inboundResponseMs: number;
}

/**
 * Per-peer, per-protocol inbound quotas. Sized so an honest node syncing at full speed
 * (incremental asks 16-18 blocks per request; parallel up to 512) stays well below them,
 * while a flood of small requests, each costing a stream (~1 ms CPU), is refused early.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<WireMethod, RateQuota>> = Object.freeze({
  status: { perSecond: 10, burst: 20 },
  blocks_by_range: { perSecond: 100, burst: 100 },
  blocks_by_hash: { perSecond: 50, burst: 50 },
  commit_proof: { perSecond: 100, burst: 100 },
  epoch_change_proof: { perSecond: 20, burst: 40 },
  snapshot_manifest: { perSecond: 5, burst: 10 },
  snapshot_chunk: { perSecond: 100, burst: 100 },
});

/** Everything the service needs besides the libp2p components. */
export interface HotsyncNetworkOptions {
  /** The chain served and followed: protocol ids carry its first 4 bytes, status messages all 32. */
  readonly chainId: Uint8Array;
  /** Where requests are answered from (raw bytes, never decoded for ranges). */
  readonly store: ChainStore;
  /**
   * The peer manager: told of sync peers connecting and leaving, fed their statuses,
   * penalized for bad inbound requests; its bans and `disconnect`/`banned` events close
   * connections. Optional only for a serve-only node.
   */
  readonly peers?: PeerManager;
  /**
   * Timeouts default from `peers.firstByteTimeoutMs` and `peers.peerTimeoutMs`;
   * `network.bandwidthCapBytesPerSec` caps what all requests of this node read together.
   */
  readonly config?: SyncConfig | SyncConfigInput;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Requests and bytes by direction, protocol and result (default: recorded nowhere). */
  readonly metrics?: Metrics;
  /** Wire limits, both as client and as server (default core's DEFAULT_WIRE_LIMITS). */
  readonly limits?: Partial<WireLimits>;
  readonly codecLimits?: CodecLimits;
  readonly timeouts?: Partial<NetworkTimeouts>;
  /** Inbound quotas per peer and protocol (merged over DEFAULT_RATE_LIMITS). */
  readonly rateLimits?: Partial<Record<WireMethod, RateQuota>>;
  /** Inbound requests served at once for one peer; more are answered `rate-limited` (default 8). */
  readonly maxConcurrentInboundPerPeer?: number;
  /** libp2p's hard cap per protocol and connection: streams beyond it are reset (default 32). */
  readonly maxInboundStreamsPerProtocol?: number;
  /** Our own outbound streams per protocol and connection (default 64). */
  readonly maxOutboundStreamsPerProtocol?: number;
  /** Status exchange with every sync peer: on connect, then every this many ms (default 10 s). */
  readonly statusIntervalMs?: number;
  /** Unread bytes at which a response stream is paused (default 1 MiB). */
  readonly readHighWaterMark?: number;
  /** Size of one write when serving (default 64 KiB). */
  readonly writeBytes?: number;
  /** Answer requests (default true); a node that only syncs may turn it off. */
  readonly serve?: boolean;
}

export interface ResolvedNetworkOptions {
  readonly chainId: Uint8Array;
  readonly limits: WireLimits;
  readonly codecLimits: CodecLimits;
  readonly timeouts: NetworkTimeouts;
  readonly rateLimits: Readonly<Record<WireMethod, RateQuota>>;
  readonly maxConcurrentInboundPerPeer: number;
  readonly maxInboundStreamsPerProtocol: number;
  readonly maxOutboundStreamsPerProtocol: number;
  readonly statusIntervalMs: number;
  readonly readHighWaterMark: number;
  readonly writeBytes: number;
  readonly serve: boolean;
  /**
   * The node-wide download budget (`network.bandwidthCapBytesPerSec`), shared by every
   * outbound request; undefined when the cap is 0 (no cap).
   */
  readonly bandwidthCap: BandwidthCap | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: NetworkMetrics;
}

function isParsed(config: SyncConfig | SyncConfigInput): config is SyncConfig {
  const peers = (config as SyncConfig).peers;
  return (
    peers !== undefined &&
    typeof peers.firstByteTimeoutMs === 'number' &&
    typeof peers.peerTimeoutMs === 'number' &&
    (config as SyncConfig).strategy !== undefined
  );
}

function positiveInt(name: string, value: number, max = 0x7fffffff): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new NetworkError('network.invalid-option', `${name} must be an integer in 1..${max}, got ${value}`);
  }
  return value;
}

/** Fills defaults and checks every option (NetworkError `network.invalid-option`). */
export function resolveNetworkOptions(options: HotsyncNetworkOptions): ResolvedNetworkOptions {
  const config = isParsed(options.config ?? {})
    ? (options.config as SyncConfig)
    : parseSyncConfig(options.config ?? {});
  const requestMs = options.timeouts?.requestMs ?? config.peers.peerTimeoutMs;
  const firstByteMs = options.timeouts?.firstByteMs ?? Math.min(requestMs, config.peers.firstByteTimeoutMs);
  const timeouts: NetworkTimeouts = {
    firstByteMs,
    requestMs,
    betweenChunksMs: options.timeouts?.betweenChunksMs ?? firstByteMs,
    inboundRequestMs: options.timeouts?.inboundRequestMs ?? firstByteMs,
    inboundResponseMs: options.timeouts?.inboundResponseMs ?? requestMs,
  };
  for (const [name, value] of Object.entries(timeouts)) positiveInt(`timeouts.${name}`, value);
  const rateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  for (const method of WIRE_METHODS) {
    const quota = rateLimits[method];
    if (!(quota.perSecond > 0) || !(quota.burst >= 1) || !Number.isFinite(quota.perSecond + quota.burst)) {
      throw new NetworkError(
        'network.invalid-option',
        `rateLimits.${method} needs perSecond > 0 and burst >= 1, got ${JSON.stringify(quota)}`,
      );
    }
  }
  const clock = options.clock ?? systemClock;
  const capBytesPerSec = config.network.bandwidthCapBytesPerSec;
  return {
    chainId: options.chainId,
    limits: wireLimits(options.limits),
    codecLimits: options.codecLimits ?? DEFAULT_CODEC_LIMITS,
    timeouts,
    rateLimits,
    maxConcurrentInboundPerPeer: positiveInt(
      'maxConcurrentInboundPerPeer',
      options.maxConcurrentInboundPerPeer ?? 8,
      1024,
    ),
    maxInboundStreamsPerProtocol: positiveInt(
      'maxInboundStreamsPerProtocol',
      options.maxInboundStreamsPerProtocol ?? 32,
      1024,
    ),
    maxOutboundStreamsPerProtocol: positiveInt(
      'maxOutboundStreamsPerProtocol',
      options.maxOutboundStreamsPerProtocol ?? 64,
      1024,
    ),
    statusIntervalMs: positiveInt('statusIntervalMs', options.statusIntervalMs ?? 10_000),
    readHighWaterMark: positiveInt('readHighWaterMark', options.readHighWaterMark ?? 1 << 20),
    writeBytes: positiveInt('writeBytes', options.writeBytes ?? DEFAULT_WRITE_BYTES),
    serve: options.serve ?? true,
    bandwidthCap: capBytesPerSec > 0 ? new BandwidthCap({ bytesPerSec: capBytesPerSec, clock }) : undefined,
    clock,
    logger: options.logger ?? silentLogger,
    metrics: new NetworkMetrics(options.metrics ?? noopMetrics),
  };
}
