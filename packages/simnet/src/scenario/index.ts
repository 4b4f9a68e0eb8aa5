export {
  expectBanned,
  expectNoErrors,
  expectNoInvalidBlockStored,
  expectOnlyPenalized,
  expectSyncedToHonestTip,
} from './assertions.js';
export type { BanRecord, ErrorRecord, NodeReport, PenaltyRecord, ScenarioReport } from './report.js';
export { type RunNode, runScenario, type ScenarioResult } from './runner.js';
export type {
  FaultSpec,
  LinkOverride,
  NodeSpec,
  PeerEventSource,
  ScenarioSpec,
  ScenarioView,
  ServingNodeSpec,
  SimSyncNode,
  StopCondition,
  SyncingNodeSpec,
  SyncNodeContext,
  SyncNodeFactory,
} from './types.js';
