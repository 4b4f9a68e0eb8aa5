import {
  type Counter,
  type Gauge,
  type GaugeSpec,
  type Histogram,
  type HistogramSpec,
  InvalidArgumentError,
  type MetricLabels,
  type MetricSpec,
  type Metrics,
} from '@hotsync/core';
import * as client from 'prom-client';

type Kind = 'counter' | 'gauge' | 'histogram';
type PromMetric = client.Counter<string> | client.Gauge<string> | client.Histogram<string>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function labelsOf(labels: MetricLabels | undefined): client.LabelValues<string> {
  return (labels ?? {}) as client.LabelValues<string>;
}

/**
 * hotsync's `Metrics` on prom-client (a well-kept, standard Prometheus client): every
 * component that takes a `Metrics` writes into `registry` (yours, or prom-client's default).
 * Asking twice for one name returns the same metric; asking for it as another kind, or
 * with other labels, is a programming error and throws.
 */
export class PrometheusMetrics implements Metrics {
  private readonly made = new Map<string, { kind: Kind; labelNames: string; metric: PromMetric }>();
  private readonly collectors = new Map<string, Array<() => void>>();

  constructor(readonly registry: client.Registry = client.register) {}

  counter(spec: MetricSpec): Counter {
    const c = this.get(
      'counter',
      spec,
      () => new client.Counter({ ...this.base(spec) }),
    ) as client.Counter<string>;
    return { inc: (value = 1, labels) => c.inc(labelsOf(labels), value) };
  }

  gauge(spec: GaugeSpec): Gauge {
    const collectors = this.collectors;
    const g = this.get(
      'gauge',
      spec,
      () =>
        new client.Gauge({
          ...this.base(spec),
          // Every component that asked for this gauge with a `collect` refreshes it before a read.
          collect() {
            for (const collect of collectors.get(spec.name) ?? []) collect();
          },
        }),
    ) as client.Gauge<string>;
    const gauge: Gauge = {
      set: (value, labels) => g.set(labelsOf(labels), value),
      inc: (value = 1, labels) => g.inc(labelsOf(labels), value),
      dec: (value = 1, labels) => g.dec(labelsOf(labels), value),
    };
    if (spec.collect) {
      const collect = spec.collect;
      const list = collectors.get(spec.name) ?? [];
      list.push(() => collect(gauge));
      collectors.set(spec.name, list);
    }
    return gauge;
  }

  histogram(spec: HistogramSpec): Histogram {
    const h = this.get(
      'histogram',
      spec,
      () => new client.Histogram({ ...this.base(spec), ...(spec.buckets && { buckets: [...spec.buckets] }) }),
    ) as client.Histogram<string>;
    return { observe: (value, labels) => h.observe(labelsOf(labels), value) };
  }

  /** The text exposition of the registry (what `/metrics` serves). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private base(spec: MetricSpec) {
    return {
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
    };
  }

  private get(kind: Kind, spec: MetricSpec, make: () => PromMetric): PromMetric {
    if (!NAME.test(spec.name))
      throw new InvalidArgumentError('arg.invalid', `not a Prometheus metric name: ${spec.name}`);
    const labelNames = (spec.labelNames ?? []).join(',');
    const existing = this.made.get(spec.name);
    if (existing) {
      if (existing.kind !== kind || existing.labelNames !== labelNames) {
        throw new InvalidArgumentError(
          'arg.duplicate',
          `metric ${spec.name} already exists as a ${existing.kind} with labels [${existing.labelNames}]`,
        );
      }
      return existing.metric;
    }
    const metric = make();
    this.made.set(spec.name, { kind, labelNames, metric });
    return metric;
  }
}
