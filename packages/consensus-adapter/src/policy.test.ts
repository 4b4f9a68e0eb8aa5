import { describe, expect, it } from 'vitest';
import { type AdapterMode, canProduce, decideMode, type HysteresisPolicy } from './policy.js';

const policy: HysteresisPolicy = { maxBehindBlocks: 32, resumeBehindBlocks: 4, aheadAlarmBlocks: 32 };
const production = { threshold: 0.995, maxBehindBlocks: 10 };

describe('decideMode', () => {
  it('pauses only beyond maxBehindBlocks and resumes only within resumeBehindBlocks', () => {
    expect(decideMode('participating', 100, 132, policy)).toEqual({ action: 'stay' });
    expect(decideMode('participating', 100, 133, policy)).toEqual({ action: 'pause-and-sync', behind: 33 });
    expect(decideMode('syncing', 100, 105, policy)).toEqual({ action: 'continue-sync', behind: 5 });
    expect(decideMode('syncing', 100, 104, policy)).toEqual({ action: 'resume', behind: 4 });
  });

  it('does not flap for a node hovering around the threshold', () => {
    const run = (p: HysteresisPolicy) => {
      let mode: AdapterMode = 'participating';
      let changes = 0;
      // Behind alternates 33, 31, 33, 31, ... (a node that cannot quite keep up).
      for (let i = 0; i < 20; i++) {
        const d = decideMode(mode, 1_000, 1_000 + (i % 2 === 0 ? 33 : 31), p);
        const next: AdapterMode =
          d.action === 'pause-and-sync' || d.action === 'continue-sync'
            ? 'syncing'
            : d.action === 'resume'
              ? 'participating'
              : mode;
        if (next !== mode) changes++;
        mode = next;
      }
      return changes;
    };
    expect(run(policy)).toBe(1);
    // Without hysteresis (resume at the pause threshold) the same node flips at every check.
    expect(run({ ...policy, resumeBehindBlocks: 32 })).toBe(20);
  });

  it('raises the alarm when far ahead of the network, in either mode, and never asks to sync backwards', () => {
    expect(decideMode('participating', 200, 100, policy)).toEqual({ action: 'alarm-ahead', ahead: 100 });
    expect(decideMode('syncing', 200, 100, policy)).toEqual({ action: 'alarm-ahead', ahead: 100 });
    expect(decideMode('participating', 120, 100, policy)).toEqual({ action: 'stay' });
  });
});

describe('canProduce', () => {
  it('is true when synced', () => {
    expect(canProduce(0, 1_000_000, true, production)).toBe(true);
  });

  it('needs 99.5 % of the target: 99.4 % is not enough', () => {
    expect(canProduce(994, 1_000, false, production)).toBe(false);
    expect(canProduce(995, 1_000, false, production)).toBe(true);
  });

  it('and at most 10 blocks behind: 11 is too many even above 99.5 %', () => {
    expect(canProduce(2_990, 3_000, false, production)).toBe(true);
    expect(canProduce(2_989, 3_000, false, production)).toBe(false);
  });

  it('is false without a target', () => {
    expect(canProduce(10, undefined, false, production)).toBe(false);
  });
});
