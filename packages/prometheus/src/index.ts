/**
 * @hotsync/prometheus: hotsync's metrics in Prometheus form.
 *
 * @packageDocumentation
 */
export * from './metric-catalog.js';
export * from './metrics-server.js';
export * from './prometheus-metrics.js';
