import { Registry, register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsServer, serveMetrics } from './metrics-server.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

describe('PrometheusMetrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('records counters, gauges and histograms with labels into the given registry', async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics(registry);
    metrics
      .counter({ name: 'hotsync_test_requests_total', help: 'requests', labelNames: ['protocol', 'result'] })
      .inc(2, {
        protocol: 'status',
        result: 'ok',
      });
    metrics.gauge({ name: 'hotsync_test_height', help: 'height' }).set(42);
    metrics.histogram({ name: 'hotsync_test_seconds', help: 'time', buckets: [0.1, 1] }).observe(0.5);
    const text = await metrics.text();
    expect(text).toContain('hotsync_test_requests_total{protocol="status",result="ok"} 2');
    expect(text).toContain('hotsync_test_height 42');
    expect(text).toContain('hotsync_test_seconds_bucket{le="1"} 1');
  });

  it('returns the same metric for the same name, and refuses another kind or other labels', () => {
    const metrics = new PrometheusMetrics(new Registry());
    const a = metrics.counter({ name: 'hotsync_x_total', help: 'x' });
    const b = metrics.counter({ name: 'hotsync_x_total', help: 'x' });
    a.inc();
    b.inc();
    expect(() => metrics.gauge({ name: 'hotsync_x_total', help: 'x' })).toThrow(
      /already exists as a counter/,
    );
    expect(() => metrics.counter({ name: 'hotsync_x_total', help: 'x', labelNames: ['l'] })).toThrow(
      /labels/,
    );
    expect(() => metrics.counter({ name: 'bad name', help: 'x' })).toThrow(/not a Prometheus metric name/);
  });

  it("computes a gauge with `collect` when read, running every asker's collect", async () => {
    const metrics = new PrometheusMetrics(new Registry());
    let now = 1;
    metrics.gauge({
      name: 'hotsync_test_rate',
      help: 'r',
      labelNames: ['part'],
      collect: (g) => g.set(now * 10, { part: 'a' }),
    });
    metrics.gauge({
      name: 'hotsync_test_rate',
      help: 'r',
      labelNames: ['part'],
      collect: (g) => g.set(now * 20, { part: 'b' }),
    });
    expect(await metrics.text()).toContain('hotsync_test_rate{part="a"} 10');
    now = 2;
    const text = await metrics.text();
    expect(text).toContain('hotsync_test_rate{part="a"} 20');
    expect(text).toContain('hotsync_test_rate{part="b"} 40');
  });

  it("without a registry, writes into prom-client's default one", async () => {
    const metrics = new PrometheusMetrics();
    expect(metrics.registry).toBe(register);
    metrics.gauge({ name: 'hotsync_test_default_registry', help: 'd' }).set(3);
    try {
      expect(await register.metrics()).toContain('hotsync_test_default_registry 3');
    } finally {
      register.removeSingleMetric('hotsync_test_default_registry');
    }
  });

  it('serves /metrics over HTTP on 127.0.0.1', async () => {
    const registry = new Registry();
    new PrometheusMetrics(registry).gauge({ name: 'hotsync_served', help: 's' }).set(7);
    server = await serveMetrics(registry, { port: 0 });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('hotsync_served 7');
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});
