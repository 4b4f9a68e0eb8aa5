import type { PenaltyLevel } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import {
  CHECK_FAMILIES,
  judgeFailure,
  levelForCheck,
  levelForFamily,
  REQUEST_FAILURE_KINDS,
  VERIFICATION_CHECKS,
} from './penalties.js';

const LEVELS: readonly PenaltyLevel[] = ['fatal', 'high', 'mid', 'low'];

describe('request failure judgements', () => {
  it('maps every failure kind', () => {
    const table = Object.fromEntries(REQUEST_FAILURE_KINDS.map((k) => [k, judgeFailure(k)]));
    expect(table).toEqual({
      timeout: { kind: 'penalty', level: 'low', penaltyClass: 'liveness', mayBeOurs: true },
      disconnected: { kind: 'penalty', level: 'low', penaltyClass: 'liveness', mayBeOurs: true },
      unavailable: { kind: 'penalty', level: 'low', penaltyClass: 'liveness', mayBeOurs: false },
      'server-error': { kind: 'penalty', level: 'low', penaltyClass: 'liveness', mayBeOurs: false },
      'invalid-request': { kind: 'penalty', level: 'mid', penaltyClass: 'liveness', mayBeOurs: false },
      'malformed-response': {
        kind: 'penalty',
        level: 'high',
        penaltyClass: 'misbehaviour',
        mayBeOurs: false,
      },
      'oversized-response': {
        kind: 'penalty',
        level: 'high',
        penaltyClass: 'misbehaviour',
        mayBeOurs: false,
      },
      'rate-limited': { kind: 'wait' },
      aborted: { kind: 'ours' },
    });
  });

  it('never penalizes back-pressure or our own aborts', () => {
    expect(judgeFailure('rate-limited').kind).toBe('wait');
    expect(judgeFailure('aborted').kind).toBe('ours');
  });
});

describe('verification check levels', () => {
  it('gives every check core defines a level, and every family a fallback', () => {
    for (const check of VERIFICATION_CHECKS) expect(LEVELS).toContain(levelForCheck(check));
    for (const family of CHECK_FAMILIES) expect(LEVELS).toContain(levelForFamily(family));
    // The families named in the issue, all of them.
    expect([...CHECK_FAMILIES].sort()).toEqual(
      [
        'structure',
        'qc',
        'link',
        'view',
        'justify',
        'time',
        'epoch',
        'commit',
        'state',
        'snapshot',
        'safety',
      ].sort(),
    );
  });

  it('is fatal for forged or foreign data', () => {
    for (const check of [
      'qc.signature',
      'qc.quorum',
      'qc.vote',
      'structure.chain-id',
      'structure.payload-hash',
      'epoch.next-set',
    ]) {
      expect(levelForCheck(check), check).toBe('fatal');
    }
  });

  it('is high for data a certified chain never contains but a buggy server could send', () => {
    for (const check of ['structure.decode', 'link.parent', 'view.order', 'justify.view', 'commit.proof']) {
      expect(levelForCheck(check), check).toBe('high');
    }
    expect(levelForCheck('safety.conflicting-qc')).toBe('high');
  });

  it('is mild where the fault may be ours or a race', () => {
    expect(levelForCheck('commit.target')).toBe('mid');
    expect(levelForCheck('time.future')).toBe('low');
    expect(levelForCheck('state.root')).toBe('low');
    expect(levelForCheck('snapshot.root')).toBe('low');
  });

  it('falls back on the family for checks a custom ChainSpec invents, and on high for unknown families', () => {
    expect(levelForCheck('qc.my-aggregate')).toBe('fatal');
    expect(levelForCheck('link.my-rule')).toBe('high');
    expect(levelForCheck('time.my-drift')).toBe('mid');
    expect(levelForCheck('state.my-check')).toBe('low');
    expect(levelForCheck('mychain.weird')).toBe('high');
    expect(levelForCheck('')).toBe('high');
  });
});
