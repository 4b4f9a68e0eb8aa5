/**
 * @hotsync/example-partition-recovery: a validator cut off and brought back by its sync
 * coordinator (see README.md).
 *
 * @packageDocumentation
 */
export {
  type PartitionIo,
  type PartitionRecoveryOptions,
  type PartitionRecoveryResult,
  partitionSummary,
  runPartitionRecovery,
} from './partition.js';
