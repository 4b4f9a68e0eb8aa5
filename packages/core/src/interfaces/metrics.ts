/** Label values of one time series. */
export type MetricLabels = Readonly<Record<string, string | number>>;

export interface MetricSpec {
  /** Prometheus-style name, e.g. `hotsync_blocks_applied_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

export interface HistogramSpec extends MetricSpec {
  /** Upper bounds of the buckets, ascending. */
  readonly buckets?: readonly number[];
}

export interface GaugeSpec extends MetricSpec {
  /**
   * Called just before the gauge is read (a scrape), to set values that change with time
   * alone (a rate over a window, decaying scores). Implementations that are never read
   * never call it.
   */
  readonly collect?: (gauge: Gauge) => void;
}

export interface Counter {
  inc(value?: number, labels?: MetricLabels): void;
}

export interface Gauge {
  set(value: number, labels?: MetricLabels): void;
  inc(value?: number, labels?: MetricLabels): void;
  dec(value?: number, labels?: MetricLabels): void;
}

export interface Histogram {
  observe(value: number, labels?: MetricLabels): void;
}

/**
 * Where hotsync reports its metrics. The prom-client binding implements it; asking twice
 * for the same name returns the same metric.
 */
export interface Metrics {
  counter(spec: MetricSpec): Counter;
  gauge(spec: GaugeSpec): Gauge;
  histogram(spec: HistogramSpec): Histogram;
}

const noopCounter: Counter = { inc: () => {} };
const noopGauge: Gauge = { set: () => {}, inc: () => {}, dec: () => {} };
const noopHistogram: Histogram = { observe: () => {} };

/** Records nothing (the default when monitoring is off or no registry is given). */
export const noopMetrics: Metrics = Object.freeze({
  counter: () => noopCounter,
  gauge: () => noopGauge,
  histogram: () => noopHistogram,
});
