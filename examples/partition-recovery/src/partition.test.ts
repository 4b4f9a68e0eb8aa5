import { Writable } from 'node:stream';
import { createProgressView, prettyLines } from '@hotsync/example-libp2p-validator';
import { describe, expect, it } from 'vitest';
import { partitionSummary, runPartitionRecovery } from './partition.js';

describe('partition recovery: 4 validator processes, one cut off and brought back', () => {
  it('the majority keeps committing, the coordinator detects the gap after the heal, catches v3 up, and v3 votes again', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trimEnd().split('\n'));
        done();
      },
    });
    const started = Date.now();
    const r = await runPartitionRecovery(
      {
        seed: 5,
        historyBlocks: 300,
        liveBlocksBefore: 5,
        gapBlocks: 40, // above strategy.maxBehindBlocks (32): the coordinator must act
        blocksAfterHeal: 10,
        votes: 3,
        timeoutMs: 100_000,
        logLevel: 'warn',
      },
      {
        view: createProgressView({ mode: 'none', stream }),
        printer: prettyLines({ colorize: false }),
        say: (line) => lines.push(line),
      },
    );
    console.log(`${partitionSummary(r).join('\n')}\n(test: ${((Date.now() - started) / 1000).toFixed(1)} s)`);

    // While cut off, v3 stood still and the other three went on.
    expect(r.partition.majorityTo - r.partition.majorityFrom).toBeGreaterThanOrEqual(40);
    expect(r.partition.cutOffTo).toBeLessThanOrEqual(r.partition.cutOffFrom + 2);
    // After the heal its coordinator paused it, synced the gap and resumed it.
    expect(r.pausedAtHeight).toBeLessThanOrEqual(r.partition.cutOffTo);
    expect(r.sync.blocks).toBeGreaterThanOrEqual(38);
    expect(r.sync.banned).toBe(0);
    expect(r.resumedAtHeight).toBeGreaterThanOrEqual(r.partition.majorityTo);
    // It votes again and the network keeps committing.
    expect(r.votes.qcs).toBeGreaterThanOrEqual(3);
    expect(r.votes.firstHeight).toBeGreaterThan(r.resumedAtHeight + 1);
    expect(r.majorityEnd).toBeGreaterThanOrEqual(r.resumedAtHeight + 10);
    for (const s of Object.values(r.final)) expect(s.committedHeight).toBeGreaterThan(r.resumedAtHeight);
    expect(Object.values(r.exitCodes)).toEqual([0, 0, 0, 0]);
  }, 120_000);
});
