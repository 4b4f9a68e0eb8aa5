import type { Counter, Gauge, Histogram, Metrics } from '../interfaces/metrics.js';
import type { SyncPhaseName } from '../interfaces/sync-manager.js';
import { SYNC_PHASE_NAMES } from '../interfaces/sync-manager.js';

/** The SyncManager's own metrics (Prometheus names), created once from the injected Metrics. */
export class SyncMetrics {
  private readonly currentHeight: Gauge;
  private readonly targetHeight: Gauge;
  private readonly phase: Gauge;
  private readonly blocksApplied: Counter;
  private readonly bytesStored: Counter;
  private readonly applySeconds: Histogram;
  private readonly checkpoints: Counter;
  private readonly transitions: Counter;
  private readonly failures: Counter;

  constructor(metrics: Metrics) {
    this.currentHeight = metrics.gauge({
      name: 'hotsync_current_height',
      help: 'Height of the local verified tip',
    });
    this.targetHeight = metrics.gauge({
      name: 'hotsync_target_height',
      help: 'Height the current sync heads for',
    });
    this.phase = metrics.gauge({
      name: 'hotsync_phase',
      help: 'Current sync phase (1 for the current one, 0 for the others)',
      labelNames: ['phase'],
    });
    this.blocksApplied = metrics.counter({
      name: 'hotsync_blocks_applied_total',
      help: 'Blocks verified, executed and stored',
    });
    this.bytesStored = metrics.counter({
      name: 'hotsync_block_bytes_stored_total',
      help: 'Bytes of blocks stored',
    });
    this.applySeconds = metrics.histogram({
      name: 'hotsync_apply_seconds',
      help: 'Time to execute a verified range and check its state root',
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
    });
    this.checkpoints = metrics.counter({
      name: 'hotsync_checkpoint_writes_total',
      help: 'Checkpoints written',
    });
    this.transitions = metrics.counter({
      name: 'hotsync_phase_transitions_total',
      help: 'Phase transitions by destination',
      labelNames: ['to'],
    });
    this.failures = metrics.counter({
      name: 'hotsync_sync_failures_total',
      help: 'Sync attempts that failed',
      labelNames: ['reason'],
    });
  }

  phaseEntered(name: SyncPhaseName): void {
    for (const p of SYNC_PHASE_NAMES) this.phase.set(p === name ? 1 : 0, { phase: p });
    this.transitions.inc(1, { to: name });
  }

  target(height: number): void {
    this.targetHeight.set(height);
  }

  applied(blocks: number, ms: number): void {
    this.blocksApplied.inc(blocks);
    this.applySeconds.observe(ms / 1000);
  }

  committed(height: number, bytes: number): void {
    this.currentHeight.set(height);
    this.bytesStored.inc(bytes);
  }

  checkpoint(): void {
    this.checkpoints.inc();
  }

  failed(reason: string): void {
    this.failures.inc(1, { reason });
  }
}
