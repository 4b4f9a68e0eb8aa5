/**
 * @hotsync/network: the libp2p binding of hotsync (DESIGN §8). A libp2p service that is
 * core's `SyncNetwork` (so the SyncManager runs over real streams unchanged) and serves
 * the seven sync protocols from the chain store, with framing, timeouts on the injected
 * clock, size limits, read back-pressure, inbound rate limits, a connection gater for
 * banned peers and a status exchange.
 *
 * @packageDocumentation
 */

// First, before anything that loads libp2p: Node 20 lacks Promise.withResolvers (see polyfill.ts).
import './polyfill.js';

export { type ClientResult, isUnsupportedProtocol, sendRequest } from './client-request.js';
export { NetworkError, type NetworkErrorCode } from './errors.js';
export { DEFAULT_WRITE_BYTES, okChunkHeader, packResponse, sendAll } from './framing.js';
export { type BanCheck, hotsyncConnectionGater } from './gater.js';
export { type InboundFault, inboundOutcome } from './inbound-faults.js';
export { type InboundResult, NetworkMetrics, type OutboundResult } from './network-metrics.js';
export {
  createHotsyncNode,
  DEFAULT_STREAM_WINDOW_BYTES,
  type HotsyncNode,
  type HotsyncNodeOptions,
} from './node.js';
export {
  DEFAULT_RATE_LIMITS,
  type HotsyncNetworkOptions,
  type NetworkTimeouts,
  type ResolvedNetworkOptions,
  resolveNetworkOptions,
} from './options.js';
export { promiseWithResolversPolyfilled } from './polyfill.js';
export type { InboundStats } from './protocol-handler.js';
export { InboundRateLimiter, type RateLimitDecision, type RateQuota } from './rate-limiter.js';
export {
  type HotsyncComponents,
  HotsyncService,
  type HotsyncStats,
  hotsync,
  type OutboundTraffic,
} from './service.js';
export { StreamReader, type StreamReaderOptions } from './stream-reader.js';
