export { SimEndpoint } from './endpoint.js';
export type { RequestTimeouts } from './exchange.js';
export {
  delayed,
  honestHandler,
  type RequestHandler,
  replyBytes,
  type ServedRequest,
  type ServerReply,
} from './handler.js';
export { DEFAULT_LINK, type LatencySpec, Link, type LinkSpec, resolveLink, sampleLatency } from './link.js';
export { SharedChannel, type Transfer } from './shared-channel.js';
export {
  type PartitionMode,
  SimNetwork,
  type SimNetworkOptions,
  type SimNodeOptions,
  timeoutsFromConfig,
} from './sim-network.js';
export type { PeerTraffic } from './traffic.js';
