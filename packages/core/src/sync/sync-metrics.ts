import type { Counter, Gauge, Histogram, Metrics } from '../interfaces/metrics.js';
import type { SyncPhaseName } from '../interfaces/sync-manager.js';
import { SYNC_PHASE_NAMES } from '../interfaces/sync-manager.js';
import { SlidingCounter } from '../progress/sliding-rate.js';
import type { Clock } from '../time/clock.js';

/** What a verification histogram sample timed. */
export type VerificationKind = 'range' | 'commit_proof' | 'snapshot_chunk';

/** Blocks/s is the rate over this much recent time (the progress tracker's window). */
const RATE_WINDOW_MS = 10_000;

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
  private readonly blocksPerSecond: Gauge;
  private readonly verifySeconds: Histogram;
  private readonly rate: SlidingCounter;
  private appliedTotal = 0;

  constructor(
    metrics: Metrics,
    private readonly clock: Clock,
  ) {
    this.rate = new SlidingCounter(RATE_WINDOW_MS, clock.now());
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
    this.blocksPerSecond = metrics.gauge({
      name: 'hotsync_blocks_per_second',
      help: `Blocks applied per second over the last ${RATE_WINDOW_MS / 1000} s`,
      // The rate falls with time alone once blocks stop coming: computed when read.
      collect: (gauge) => gauge.set(this.currentRate()),
    });
    this.verifySeconds = metrics.histogram({
      name: 'hotsync_verification_seconds',
      help: 'Time to verify a range (structure, consensus rules, signatures), a commit proof or a snapshot chunk',
      labelNames: ['kind', 'result'],
      buckets: [0.0005, 0.002, 0.01, 0.05, 0.2, 1, 5],
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
    this.appliedTotal += blocks;
    this.rate.record(this.clock.now(), this.appliedTotal);
    this.blocksPerSecond.set(this.currentRate());
  }

  verified(kind: VerificationKind, ok: boolean, ms: number): void {
    this.verifySeconds.observe(ms / 1000, { kind, result: ok ? 'ok' : 'invalid' });
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

  private currentRate(): number {
    const now = this.clock.now();
    this.rate.record(now, this.appliedTotal);
    return this.rate.rate(now - RATE_WINDOW_MS, now);
  }
}
