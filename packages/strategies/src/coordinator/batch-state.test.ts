import { describe, expect, it } from 'vitest';
import { StrategyError } from '../errors.js';
import {
  applyEvent,
  Batch,
  type BatchData,
  type BatchState,
  type BatchTransition,
  heldBlocks,
} from './batch-state.js';

const data = (peer: string, n = 3): BatchData => ({
  peer,
  from: 10,
  blocks: Array.from({ length: n }, () => new Uint8Array(1)),
  bytes: n,
  latencyMs: 5,
});
const range = {} as never; // the machine only carries it

describe('batch state machine', () => {
  it('walks AwaitingDownload → Downloading(peer) → AwaitingProcessing → Processing → Done, recording each step', () => {
    const seen: BatchTransition[] = [];
    const batch = new Batch(7, 10, 12, 7, (t) => seen.push(t));
    batch.apply({ type: 'dispatch', peer: 'p', atMs: 100 });
    expect(batch.state).toEqual({ kind: 'downloading', peers: ['p'], attempts: 0, startedAtMs: 100 });
    batch.apply({ type: 'downloaded', data: data('p') });
    expect(heldBlocks(batch.state)).toBe(3);
    batch.apply({ type: 'verify' });
    batch.apply({ type: 'verified', range });
    batch.apply({ type: 'commit' });
    batch.apply({ type: 'committed', rest: false });
    expect(batch.state).toEqual({ kind: 'done' });
    expect(seen.map((t) => `${t.from}>${t.to}`)).toEqual([
      'awaiting-download>downloading',
      'downloading>awaiting-processing',
      'awaiting-processing>processing',
      'processing>processing',
      'processing>processing',
      'processing>done',
    ]);
    expect(seen.every((t) => t.batch === 7)).toBe(true);
  });

  it('counts failed attempts, and retries from Failed', () => {
    let s: BatchState = { kind: 'awaiting-download', attempts: 0 };
    s = applyEvent(s, { type: 'dispatch', peer: 'a', atMs: 0 });
    s = applyEvent(s, { type: 'download-failed', peer: 'a', reason: 'timeout from a', attempt: true });
    expect(s).toEqual({ kind: 'failed', attempts: 1, reason: 'timeout from a' });
    s = applyEvent(s, { type: 'dispatch', peer: 'b', atMs: 5 });
    s = applyEvent(s, { type: 'downloaded', data: data('b') });
    s = applyEvent(s, { type: 'verify' });
    s = applyEvent(s, { type: 'rejected', reason: 'b: qc.signature' });
    expect(s).toEqual({ kind: 'failed', attempts: 2, reason: 'b: qc.signature' });
  });

  it('does not count back-pressure or our own cancellation as an attempt', () => {
    const downloading = applyEvent(
      { kind: 'awaiting-download', attempts: 2 },
      { type: 'dispatch', peer: 'a', atMs: 0 },
    );
    expect(
      applyEvent(downloading, { type: 'download-failed', peer: 'a', reason: 'rate-limited', attempt: false }),
    ).toEqual({
      kind: 'awaiting-download',
      attempts: 2,
    });
    expect(applyEvent(downloading, { type: 'cancelled', peer: 'a' })).toEqual({
      kind: 'awaiting-download',
      attempts: 2,
    });
  });

  it('keeps a hedged range downloading while one of its two requests is still out; the first answer wins', () => {
    let s: BatchState = applyEvent(
      { kind: 'awaiting-download', attempts: 0 },
      { type: 'dispatch', peer: 'slow', atMs: 0 },
    );
    s = applyEvent(s, { type: 'hedge', peer: 'fast' });
    expect(s).toMatchObject({ kind: 'downloading', peers: ['slow', 'fast'] });
    s = applyEvent(s, { type: 'download-failed', peer: 'fast', reason: 'timeout', attempt: true });
    expect(s).toMatchObject({ kind: 'downloading', peers: ['slow'], attempts: 1 });
    s = applyEvent(s, { type: 'downloaded', data: data('slow') });
    expect(s.kind).toBe('awaiting-processing');
    // The same peer twice, or data from a peer not asked, is a bug.
    const one = applyEvent(
      { kind: 'awaiting-download', attempts: 0 },
      { type: 'dispatch', peer: 'a', atMs: 0 },
    );
    expect(() => applyEvent(one, { type: 'hedge', peer: 'a' })).toThrow(StrategyError);
    expect(() => applyEvent(one, { type: 'downloaded', data: data('b') })).toThrow(StrategyError);
  });

  it('sends a stored range with an unproven rest back to download, and verified ranges back to processing', () => {
    const verified: BatchState = {
      kind: 'processing',
      attempts: 1,
      data: data('p'),
      step: { stage: 'verified', range },
    };
    expect(applyEvent(verified, { type: 'requeue' })).toMatchObject({
      kind: 'awaiting-processing',
      attempts: 1,
    });
    const committing = applyEvent(verified, { type: 'commit' });
    expect(applyEvent(committing, { type: 'committed', rest: true })).toEqual({
      kind: 'awaiting-download',
      attempts: 0,
    });
    expect(() => applyEvent(committing, { type: 'requeue' })).toThrow(StrategyError);
  });

  it('refuses every transition the machine does not have, with a typed error', () => {
    const states: BatchState[] = [
      { kind: 'awaiting-download', attempts: 0 },
      { kind: 'done' },
      { kind: 'failed', attempts: 1, reason: 'x' },
    ];
    for (const s of states) {
      try {
        applyEvent(s, { type: 'verify' });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(StrategyError);
        expect((err as StrategyError).code).toBe('strategy.invalid-transition');
      }
    }
    expect(() => applyEvent({ kind: 'done' }, { type: 'dispatch', peer: 'a', atMs: 0 })).toThrow(
      /dispatch is not allowed in state done/,
    );
  });
});
