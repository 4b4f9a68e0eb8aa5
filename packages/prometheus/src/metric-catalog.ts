/** One metric hotsync's components record, as the README's table lists it. */
export interface MetricEntry {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  /** Which package records it. */
  readonly from: 'core' | 'peers' | 'network' | 'consensus-adapter';
  readonly meaning: string;
}

/**
 * Every metric hotsync's packages record (names in Prometheus conventions: `hotsync_`
 * prefix, `_total` counters, `_seconds` and `_bytes` units). The observability test
 * scrapes a running sync and checks both ways that this list and the registry agree;
 * the README's table is this list.
 */
export const HOTSYNC_METRICS: readonly MetricEntry[] = [
  // core: SyncManager
  {
    name: 'hotsync_current_height',
    type: 'gauge',
    labels: [],
    from: 'core',
    meaning: 'Height of the local verified tip',
  },
  {
    name: 'hotsync_target_height',
    type: 'gauge',
    labels: [],
    from: 'core',
    meaning: 'Height the current sync heads for',
  },
  {
    name: 'hotsync_blocks_per_second',
    type: 'gauge',
    labels: [],
    from: 'core',
    meaning: 'Blocks applied per second over the last 10 s (computed when scraped)',
  },
  {
    name: 'hotsync_phase',
    type: 'gauge',
    labels: ['phase'],
    from: 'core',
    meaning: '1 for the current sync phase, 0 for the others',
  },
  {
    name: 'hotsync_phase_transitions_total',
    type: 'counter',
    labels: ['to'],
    from: 'core',
    meaning: 'Phase transitions, by destination phase',
  },
  {
    name: 'hotsync_blocks_applied_total',
    type: 'counter',
    labels: [],
    from: 'core',
    meaning: 'Blocks verified, executed and stored',
  },
  {
    name: 'hotsync_block_bytes_stored_total',
    type: 'counter',
    labels: [],
    from: 'core',
    meaning: 'Bytes of blocks stored',
  },
  {
    name: 'hotsync_verification_seconds',
    type: 'histogram',
    labels: ['kind', 'result'],
    from: 'core',
    meaning:
      'Time to verify a range (structure, rules, signatures), a commit proof or a snapshot chunk; kind range, commit_proof or snapshot_chunk; result ok or invalid',
  },
  {
    name: 'hotsync_apply_seconds',
    type: 'histogram',
    labels: [],
    from: 'core',
    meaning: 'Time to execute a verified range and check its state root',
  },
  {
    name: 'hotsync_checkpoint_writes_total',
    type: 'counter',
    labels: [],
    from: 'core',
    meaning: 'Checkpoints written (in the same transaction as the blocks they cover)',
  },
  {
    name: 'hotsync_sync_failures_total',
    type: 'counter',
    labels: ['reason'],
    from: 'core',
    meaning: 'Sync attempts that failed, by error code',
  },
  // peers
  {
    name: 'hotsync_peers',
    type: 'gauge',
    labels: ['state'],
    from: 'peers',
    meaning:
      'Peers by state: active (in the sync set), standby (connected, usable), resting, disconnecting, banned (bans in force); computed when scraped',
  },
  {
    name: 'hotsync_peers_connected',
    type: 'gauge',
    labels: [],
    from: 'peers',
    meaning: 'Peers connected',
  },
  {
    name: 'hotsync_peers_active',
    type: 'gauge',
    labels: [],
    from: 'peers',
    meaning: 'Peers in the active sync set',
  },
  {
    name: 'hotsync_peers_banned',
    type: 'gauge',
    labels: [],
    from: 'peers',
    meaning: 'Bans in force',
  },
  {
    name: 'hotsync_peer_score',
    type: 'gauge',
    labels: ['stat'],
    from: 'peers',
    meaning:
      'Scores of the connected peers: stat min, median or max (NaN with no peer); computed when scraped',
  },
  {
    name: 'hotsync_peer_penalties_total',
    type: 'counter',
    labels: ['level', 'reason'],
    from: 'peers',
    meaning:
      'Penalties, by level (fatal, high, mid, low) and reason (request:<failure kind>, invalid-data:<check>)',
  },
  {
    name: 'hotsync_peer_penalties_suspended_total',
    type: 'counter',
    labels: ['cause'],
    from: 'peers',
    meaning: 'Timeouts and disconnects not penalized: cause overload (ours) or circuit (most peers failing)',
  },
  {
    name: 'hotsync_peer_bans_total',
    type: 'counter',
    labels: ['reason'],
    from: 'peers',
    meaning: 'Bans, by reason: the penalty reason that crossed the threshold, or manual',
  },
  {
    name: 'hotsync_peers_circuit_open',
    type: 'gauge',
    labels: [],
    from: 'peers',
    meaning: '1 while most peers fail at once and liveness penalties are suspended',
  },
  // network
  {
    name: 'hotsync_network_requests_total',
    type: 'counter',
    labels: ['direction', 'protocol', 'result'],
    from: 'network',
    meaning:
      'Sync protocol requests: direction outbound or inbound, protocol the wire method, result ok or the failure (outbound: timeout, rate-limited, ...; inbound: the error answered or the fault)',
  },
  {
    name: 'hotsync_network_sent_bytes_total',
    type: 'counter',
    labels: ['direction', 'protocol', 'result'],
    from: 'network',
    meaning: 'Bytes written on sync streams (requests outbound, responses inbound)',
  },
  {
    name: 'hotsync_network_received_bytes_total',
    type: 'counter',
    labels: ['direction', 'protocol', 'result'],
    from: 'network',
    meaning: 'Bytes read from sync streams (responses outbound, requests inbound)',
  },
  {
    name: 'hotsync_network_request_duration_seconds',
    type: 'histogram',
    labels: ['protocol', 'result'],
    from: 'network',
    meaning: 'Outbound request time, stream opening to last byte or failure',
  },
  // consensus-adapter
  {
    name: 'hotsync_coordinator_checks_total',
    type: 'counter',
    labels: [],
    from: 'consensus-adapter',
    meaning: 'Am-I-behind checks made',
  },
  {
    name: 'hotsync_coordinator_mode_changes_total',
    type: 'counter',
    labels: ['to'],
    from: 'consensus-adapter',
    meaning: 'Switches between participating and syncing, by the mode switched to',
  },
  {
    name: 'hotsync_coordinator_syncs_total',
    type: 'counter',
    labels: [],
    from: 'consensus-adapter',
    meaning: 'Syncs the coordinator started',
  },
  {
    name: 'hotsync_coordinator_syncing',
    type: 'gauge',
    labels: [],
    from: 'consensus-adapter',
    meaning: '1 while consensus is paused for sync',
  },
  {
    name: 'hotsync_blocks_behind',
    type: 'gauge',
    labels: [],
    from: 'consensus-adapter',
    meaning: 'Blocks behind the network height at the last check',
  },
];
