import { describe, expect, it } from 'vitest';
import { defaultSyncConfig, parseSyncConfig } from './config.js';
import { ConfigError } from './errors.js';

function issuesOf(input: unknown) {
  try {
    parseSyncConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('SyncConfig', () => {
  it('parses an empty object into the documented defaults', () => {
    const c = defaultSyncConfig();
    expect(c.strategy.default).toBe('adaptive');
    expect(c.performance.verificationMode).toBe('anchored');
    expect(c.production).toEqual({ threshold: 0.995, maxBehindBlocks: 10 });
    expect(c.performance.batchSizeMin).toBeLessThanOrEqual(c.performance.batchSizeMax);
    expect(c.monitoring.enabled).toBe(true);
    expect(parseSyncConfig(undefined)).toEqual(c);
  });

  it('keeps given values and fills the rest', () => {
    const c = parseSyncConfig({ peers: { maxSyncPeers: 4 }, performance: { verificationMode: 'full' } });
    expect(c.peers.maxSyncPeers).toBe(4);
    expect(c.peers.rotationIntervalMs).toBe(60_000);
    expect(c.performance.verificationMode).toBe('full');
  });

  it.each([
    [{ strategy: { default: '' } }, 'strategy.default', ''],
    [{ strategy: { fastSyncThreshold: -5 } }, 'strategy.fastSyncThreshold', -5],
    [{ strategy: { parallelThreshold: 100, fastSyncThreshold: 10 } }, 'strategy.parallelThreshold', 100],
    [{ strategy: { maxBehindBlocks: 1.5 } }, 'strategy.maxBehindBlocks', 1.5],
    [{ peers: { maxSyncPeers: 0 } }, 'peers.maxSyncPeers', 0],
    [{ peers: { rotationIntervalMs: 'soon' } }, 'peers.rotationIntervalMs', 'soon'],
    [{ peers: { peerTimeoutMs: 0 } }, 'peers.peerTimeoutMs', 0],
    [{ peers: { maxRequestsPerPeer: 1000 } }, 'peers.maxRequestsPerPeer', 1000],
    [{ performance: { parallelDownloadLimit: 0 } }, 'performance.parallelDownloadLimit', 0],
    [{ performance: { batchSizeMin: 600, batchSizeMax: 500 } }, 'performance.batchSizeMin', 600],
    [{ performance: { batchSizeMax: 10_000_000 } }, 'performance.batchSizeMax', 10_000_000],
    [{ performance: { validationPipelineSize: -1 } }, 'performance.validationPipelineSize', -1],
    [{ performance: { verificationMode: 'lazy' } }, 'performance.verificationMode', 'lazy'],
    [{ network: { bandwidthCapBytesPerSec: -1 } }, 'network.bandwidthCapBytesPerSec', -1],
    [{ network: { connectionTimeoutMs: null } }, 'network.connectionTimeoutMs', null],
    [{ network: { retryAttempts: 1000 } }, 'network.retryAttempts', 1000],
    [{ checkpoints: { intervalBlocks: 0 } }, 'checkpoints.intervalBlocks', 0],
    [{ production: { threshold: 1.5 } }, 'production.threshold', 1.5],
    [{ production: { maxBehindBlocks: -1 } }, 'production.maxBehindBlocks', -1],
    [{ progress: { reportIntervalMs: 0 } }, 'progress.reportIntervalMs', 0],
    [{ progress: { stallTimeoutMs: 'x' } }, 'progress.stallTimeoutMs', 'x'],
    [{ monitoring: { enabled: 'yes' } }, 'monitoring.enabled', 'yes'],
    [{ peers: { maxSyncPeer: 3 } }, 'peers.maxSyncPeer', 3],
  ])('names the bad field in %j', (input, path, value) => {
    const issues = issuesOf(input);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.value).toEqual(value);
    expect(issues[0]!.allowed.length).toBeGreaterThan(0);
  });

  it('reports every bad field at once, in the message too', () => {
    try {
      parseSyncConfig({ peers: { maxSyncPeers: 0 }, performance: { verificationMode: 'lazy' } });
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigError;
      expect(e.code).toBe('config.invalid');
      expect(e.issues.map((i) => i.path).sort()).toEqual([
        'peers.maxSyncPeers',
        'performance.verificationMode',
      ]);
      expect(e.message).toContain('peers.maxSyncPeers: got 0; must be > 0');
      expect(e.message).toContain(
        'performance.verificationMode: got "lazy"; must be one of "full", "anchored"',
      );
    }
  });
});
