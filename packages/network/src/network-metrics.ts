import type { Counter, Histogram, Metrics, RequestFailureKind, WireMethod } from '@hotsync/core';
import type { InboundFault } from './inbound-faults.js';

/** How an outbound request ended: `ok` or the failure kind the peer manager judged. */
export type OutboundResult = 'ok' | RequestFailureKind;

/**
 * How an inbound request ended: `ok`, the error code we answered with, the fault that
 * ended the stream, or `write-failed` (the requester went away while we answered).
 */
export type InboundResult =
  | 'ok'
  | 'invalid-request'
  | 'rate-limited'
  | 'server-error'
  | 'unavailable'
  | InboundFault
  | 'write-failed';

/**
 * The network's metrics: requests and bytes by `direction`, `protocol` (the wire method)
 * and `result`. Every label takes values from a fixed set (methods, failure kinds), so
 * the number of series is bounded whatever peers do.
 */
export class NetworkMetrics {
  private readonly requests: Counter;
  private readonly sent: Counter;
  private readonly received: Counter;
  private readonly duration: Histogram;

  constructor(metrics: Metrics) {
    const labelNames = ['direction', 'protocol', 'result'];
    this.requests = metrics.counter({
      name: 'hotsync_network_requests_total',
      help: 'Sync protocol requests, by direction (outbound: we asked; inbound: we served), protocol and result',
      labelNames,
    });
    this.sent = metrics.counter({
      name: 'hotsync_network_sent_bytes_total',
      help: 'Bytes written on sync protocol streams (requests outbound, responses inbound)',
      labelNames,
    });
    this.received = metrics.counter({
      name: 'hotsync_network_received_bytes_total',
      help: 'Bytes read from sync protocol streams (responses outbound, requests inbound)',
      labelNames,
    });
    this.duration = metrics.histogram({
      name: 'hotsync_network_request_duration_seconds',
      help: 'Outbound request time, stream opening to last response byte or failure',
      labelNames: ['protocol', 'result'],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  outbound(protocol: WireMethod, result: OutboundResult, sent: number, received: number, ms: number): void {
    this.record('outbound', protocol, result, sent, received);
    this.duration.observe(ms / 1000, { protocol, result });
  }

  inbound(protocol: WireMethod, result: InboundResult, sent: number, received: number): void {
    this.record('inbound', protocol, result, sent, received);
  }

  private record(direction: string, protocol: WireMethod, result: string, sent: number, received: number) {
    const labels = { direction, protocol, result };
    this.requests.inc(1, labels);
    if (sent > 0) this.sent.inc(sent, labels);
    if (received > 0) this.received.inc(received, labels);
  }
}
