import { Writable } from 'node:stream';
import { createProgressView, prettyLines } from '@hotsync/example-libp2p-validator';
import { HOTSYNC_METRICS } from '@hotsync/prometheus';
import { describe, expect, it } from 'vitest';
import { runLocalNetworkDemo } from './demo.js';
import { summaryLines } from './summary.js';

describe('pnpm demo, shortened: 4 validator processes, a late joiner syncs and votes again', () => {
  it('v3 starts 2,000+ blocks behind, is paused, syncs (parallel, then incremental), resumes and signs later QCs', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trimEnd().split('\n'));
        done();
      },
    });
    const started = Date.now();
    const result = await runLocalNetworkDemo(
      {
        seed: 3,
        historyBlocks: 2_000,
        liveBlocksBeforeJoin: 5,
        votes: 3,
        timeoutMs: 100_000,
        metricsPort: 0,
        logLevel: 'warn',
      },
      {
        view: createProgressView({ mode: 'plain', stream, plainIntervalMs: 500 }),
        printer: prettyLines({ colorize: false }),
        say: (line) => lines.push(line),
      },
    );
    const summary = summaryLines(result);
    console.log(`${summary.join('\n')}\n(test: ${((Date.now() - started) / 1000).toFixed(1)} s)`);

    // The late validator was paused, synced the history and the live blocks, and resumed.
    expect(result.pausedAtHeight).toBe(0);
    expect(result.sync.blocks).toBeGreaterThanOrEqual(2_005);
    expect(result.sync.phases).toContain('downloading-blocks');
    expect(result.sync.decisions.map((d) => d.choice)).toContain('parallel');
    // Blocks committed during that sync are fetched by further, incremental runs when the gap
    // still exceeds the coordinator's threshold (whether it does depends on timing).
    for (const topUp of result.topUps) {
      expect(topUp.decisions.map((d) => d.choice)).toEqual(['incremental']);
    }
    expect(result.sync.servingPeers).toBeGreaterThanOrEqual(2);
    expect(result.sync.banned).toBe(0);
    // It voted again: its bit is set in QCs of blocks v0 committed after it resumed.
    expect(result.votes.qcs).toBeGreaterThanOrEqual(3);
    expect(result.votes.firstHeight).toBeGreaterThan(result.lastResumedAtHeight + 1);
    // Everyone kept committing, and everything stopped cleanly.
    for (const status of Object.values(result.final)) {
      expect(status.committedHeight).toBeGreaterThan(result.lastResumedAtHeight);
    }
    expect(Object.values(result.exitCodes)).toEqual([0, 0, 0, 0]);
    expect(Object.values(result.metricsPorts).every((p) => typeof p === 'number' && p > 0)).toBe(true);
    // v3's /metrics declares every hotsync metric, and says what it went through.
    const scraped = result.lateMetrics ?? '';
    const declared = new Set(
      scraped.split('\n').flatMap((l) => (l.startsWith('# TYPE ') ? [l.split(' ')[2]] : [])),
    );
    expect(HOTSYNC_METRICS.map((m) => m.name).filter((name) => !declared.has(name))).toEqual([]);
    const sample = (series: string) =>
      Number(
        scraped
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1] ?? Number.NaN,
      );
    expect(sample('hotsync_coordinator_mode_changes_total{to="syncing"}')).toBeGreaterThanOrEqual(1);
    expect(sample('hotsync_coordinator_mode_changes_total{to="participating"}')).toBeGreaterThanOrEqual(1);
    expect(sample('hotsync_blocks_applied_total')).toBeGreaterThanOrEqual(result.sync.blocks);
    expect(
      sample('hotsync_network_requests_total{direction="outbound",protocol="blocks_by_range",result="ok"}'),
    ).toBeGreaterThan(0);
    // The plain progress view printed lines, no escape codes (what CI shows).
    expect(lines.some((l) => /^v3 (downloading-blocks|catching-up|synced) \|/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain('\u001b[');
    expect(summary.join('\n')).toMatch(/exit codes 0/);
  }, 120_000);
});
