import {
  type Counter,
  type GaugeSpec,
  type Histogram,
  type HistogramSpec,
  MemoryChainStore,
  type MetricLabels,
  type MetricSpec,
  type Metrics,
  noopMetrics,
  RequestError,
} from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, rawRequest, servedChain, TestNet, until } from './nodes.fixture.js';

/** Sums of counter increments and histogram sample counts, by name and labels. */
class RecordingMetrics implements Metrics {
  readonly sums = new Map<string, number>();
  counter(spec: MetricSpec): Counter {
    return { inc: (value = 1, labels) => this.add(spec.name, labels, value) };
  }
  gauge(spec: GaugeSpec) {
    return noopMetrics.gauge(spec);
  }
  histogram(spec: HistogramSpec): Histogram {
    return { observe: (_value, labels) => this.add(`${spec.name}_count`, labels, 1) };
  }
  get(name: string, labels: MetricLabels): number {
    return this.sums.get(`${name} ${JSON.stringify(labels)}`) ?? 0;
  }
  private add(name: string, labels: MetricLabels | undefined, value: number): void {
    const key = `${name} ${JSON.stringify(labels ?? {})}`;
    this.sums.set(key, (this.sums.get(key) ?? 0) + value);
  }
}

const net = new TestNet();
afterEach(() => net.stopAll());

describe('network metrics', () => {
  it('count requests and bytes by direction, protocol and result, on both sides', async () => {
    const source = await servedChain(300, 3);
    const chainId = source.generated.chainId;
    const serverMetrics = new RecordingMetrics();
    const clientMetrics = new RecordingMetrics();
    const server = await net.node({
      chainId,
      store: source.store,
      metrics: serverMetrics,
      rateLimits: { blocks_by_range: { perSecond: 0.01, burst: 1 } },
    });
    const client = await net.node({ chainId, store: new MemoryChainStore(), metrics: clientMetrics });
    await connect(client, server);

    await client.sync.blocksByRange(server.peerId, { startHeight: 1, count: 8 });
    const second = await client.sync
      .blocksByRange(server.peerId, { startHeight: 9, count: 8 })
      .catch((err: unknown) => err);
    expect(second).toBeInstanceOf(RequestError);
    expect((second as RequestError).kind).toBe('rate-limited');
    await rawRequest(client, server, 'commit_proof', new Uint8Array([0, 0, 0, 3, 1, 2, 3]));

    const range = (direction: string, result: string) => ({ direction, protocol: 'blocks_by_range', result });
    // The client: one range served, one refused for the quota (back-pressure, its own result).
    expect(clientMetrics.get('hotsync_network_requests_total', range('outbound', 'ok'))).toBe(1);
    expect(clientMetrics.get('hotsync_network_requests_total', range('outbound', 'rate-limited'))).toBe(1);
    const received = clientMetrics.get('hotsync_network_received_bytes_total', range('outbound', 'ok'));
    expect(received).toBeGreaterThan(8 * 100);
    expect(clientMetrics.get('hotsync_network_sent_bytes_total', range('outbound', 'ok'))).toBeGreaterThan(0);
    expect(
      clientMetrics.get('hotsync_network_request_duration_seconds_count', {
        protocol: 'blocks_by_range',
        result: 'rate-limited',
      }),
    ).toBe(1);
    // The server saw the same two, and the malformed one the raw request sent.
    await until(
      () => serverMetrics.get('hotsync_network_requests_total', range('inbound', 'rate-limited')) === 1,
      2_000,
      'the rate-limited answer counted',
    );
    expect(serverMetrics.get('hotsync_network_requests_total', range('inbound', 'ok'))).toBe(1);
    expect(serverMetrics.get('hotsync_network_sent_bytes_total', range('inbound', 'ok'))).toBe(received);
    await until(
      () =>
        serverMetrics.get('hotsync_network_requests_total', {
          direction: 'inbound',
          protocol: 'commit_proof',
          result: 'malformed',
        }) === 1,
      2_000,
      'the malformed request counted',
    );
    // Status exchanges run both ways on connect.
    expect(
      clientMetrics.get('hotsync_network_requests_total', {
        direction: 'outbound',
        protocol: 'status',
        result: 'ok',
      }),
    ).toBeGreaterThan(0);
  });
});
