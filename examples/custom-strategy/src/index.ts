/**
 * @hotsync/example-custom-strategy: a strategy written by a user, registered by name and
 * used to sync (see README.md).
 *
 * @packageDocumentation
 */
export {
  type RoundRobinOptions,
  type RoundRobinStrategy,
  roundRobinStrategy,
  type ServedRange,
} from './round-robin-strategy.js';
export { type CustomStrategyOptions, type CustomStrategyResult, runCustomStrategy } from './run.js';
export { customStrategySummary } from './summary.js';
