import { Writable } from 'node:stream';
import { silentLogger } from '@hotsync/core';
import { createProgressView } from '@hotsync/example-libp2p-validator';
import { HOTSYNC_METRICS } from '@hotsync/prometheus';
import { describe, expect, it } from 'vitest';
import { runCustomStrategy } from './run.js';
import { customStrategySummary } from './summary.js';

describe('custom strategy: a user-written "round-robin" registered by name and used to sync over libp2p', () => {
  it('syncs 1,500 blocks from 3 nodes, each range to the next peer in turn; the result equals the source', async () => {
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const r = await runCustomStrategy(
      { seed: 8, blocks: 1_500, servers: 3, rangeSize: 100, metricsPort: 0, logger: silentLogger },
      createProgressView({ mode: 'none', stream: sink }),
    );
    console.log(customStrategySummary(r).join('\n'));
    expect(r.outcome).toMatchObject({ kind: 'synced', height: 1_500 });
    expect(r.registered).toContain('round-robin');
    expect(r.strategy).toBe('round-robin');
    expect(r.phases).toEqual(['discovering', 'downloading-blocks', 'synced']);
    expect(r.identical).toBe(true);
    expect(r.stateRootMatches).toBe(true);
    // Ranges follow each other, and the peers take turns: 15 ranges, 5 each.
    expect(r.served.length).toBe(15);
    r.served.forEach((range, i) => {
      if (i > 0) expect(range.from).toBe(r.served[i - 1]!.to + 1);
      if (i >= 3) expect(range.peer).toBe(r.served[i - 3]!.peer);
    });
    expect(Object.values(r.rangesPerPeer)).toEqual([5, 5, 5]);
    expect(r.metricsSample.some((l) => l.startsWith('hotsync_current_height 1500'))).toBe(true);
    // /metrics declares every metric of the sync manager, peer manager and network (this
    // example runs no consensus coordinator): the names of @hotsync/prometheus' table.
    const expected = HOTSYNC_METRICS.filter((m) => m.from !== 'consensus-adapter').map((m) => m.name);
    expect(expected.filter((name) => !r.metricNames.includes(name))).toEqual([]);
  }, 60_000);
});
