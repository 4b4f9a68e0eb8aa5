import { describe, expect, it } from 'vitest';
import type {
  Gauge,
  GaugeSpec,
  Histogram,
  HistogramSpec,
  MetricLabels,
  Metrics,
} from '../interfaces/metrics.js';
import { noopMetrics } from '../interfaces/metrics.js';
import { ManualClock } from '../time/manual-clock.js';
import { SyncMetrics } from './sync-metrics.js';

/** Records gauge values and histogram samples by name; runs a gauge's `collect` on `read`. */
class RecordingMetrics implements Metrics {
  readonly values = new Map<string, number>();
  readonly observed = new Map<string, { value: number; labels?: MetricLabels }[]>();
  private readonly collectors = new Map<string, () => void>();
  counter = noopMetrics.counter;
  gauge(spec: GaugeSpec): Gauge {
    const gauge: Gauge = {
      set: (value) => void this.values.set(spec.name, value),
      inc: () => {},
      dec: () => {},
    };
    if (spec.collect) this.collectors.set(spec.name, () => spec.collect!(gauge));
    return gauge;
  }
  histogram(spec: HistogramSpec): Histogram {
    return {
      observe: (value, labels) => {
        const list = this.observed.get(spec.name) ?? [];
        list.push({ value, ...(labels && { labels }) });
        this.observed.set(spec.name, list);
      },
    };
  }
  read(name: string): number | undefined {
    this.collectors.get(name)?.();
    return this.values.get(name);
  }
}

describe('SyncMetrics', () => {
  it('blocks per second is the rate over the last 10 s at the time it is read, so it falls to 0 when blocks stop', () => {
    const clock = new ManualClock(1_000);
    const metrics = new RecordingMetrics();
    const sync = new SyncMetrics(metrics, clock);
    expect(metrics.read('hotsync_blocks_per_second')).toBe(0);
    for (let i = 0; i < 10; i++) {
      clock.advance(1_000);
      sync.applied(50, 10);
    }
    expect(metrics.read('hotsync_blocks_per_second')).toBe(50);
    clock.advance(5_000);
    expect(metrics.read('hotsync_blocks_per_second')).toBe(25); // 250 blocks in the last 10 s
    clock.advance(10_000);
    expect(metrics.read('hotsync_blocks_per_second')).toBe(0);
  });

  it('times verifications by kind and result, in seconds', () => {
    const metrics = new RecordingMetrics();
    const sync = new SyncMetrics(metrics, new ManualClock(0));
    sync.verified('range', true, 250);
    sync.verified('commit_proof', false, 4);
    expect(metrics.observed.get('hotsync_verification_seconds')).toEqual([
      { value: 0.25, labels: { kind: 'range', result: 'ok' } },
      { value: 0.004, labels: { kind: 'commit_proof', result: 'invalid' } },
    ]);
  });
});
