/**
 * @hotsync/peers: which peers to ask, learned from every response (DESIGN §6). A peer book,
 * decaying scores with four penalty levels, persisted bans enforced by a synchronous
 * `isBanned`, a circuit breaker against blaming everyone for our own outage, weighted
 * selection with per-peer request limits, rotation, trusted peers and a network height no
 * minority can move.
 *
 * @packageDocumentation
 */

export type { BanStoreFailure } from './bans.js';
export type { CircuitState } from './circuit-breaker.js';
export { PeersError, type PeersErrorCode } from './errors.js';
export type { PeersEvent } from './events.js';
export type { PeerHealthReport } from './health.js';
export {
  assessPosition,
  estimateNetworkHeight,
  type HeightSample,
  lowerMedian,
  type NetworkAssessment,
  type NetworkHeightReport,
  type NetworkPosition,
} from './network-height.js';
export {
  type BanStore,
  DEFAULT_TUNING,
  type PeerManagerOptions,
  type PeersConfig,
  type PeerTuning,
  type PeerTuningInput,
  resolveTuning,
} from './options.js';
export {
  createPeerManager,
  DefaultPeerManager,
  type NetworkHeightOptions,
  type PeerDetails,
  type SelectionRequest,
} from './peer-manager.js';
export {
  CHECK_FAMILIES,
  type CheckFamily,
  type FailureJudgement,
  judgeFailure,
  levelForCheck,
  type PenaltyClass,
  REQUEST_FAILURE_KINDS,
  VERIFICATION_CHECKS,
} from './penalties.js';
export type { RotationPlan } from './rotation.js';
export type { ScoreStanding } from './scoring.js';
export type { Eligibility, RangeRequirement } from './selection.js';
