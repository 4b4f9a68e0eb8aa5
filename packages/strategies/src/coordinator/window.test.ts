import { describe, expect, it } from 'vitest';
import { StrategyError } from '../errors.js';
import { LookaheadWindow } from './window.js';

describe('LookaheadWindow', () => {
  it('bounds open ranges and reserved blocks, and keeps high-water marks', () => {
    const w = new LookaheadWindow({ ranges: 2, blocks: 100 });
    expect(w.canOpen(60)).toBe(true);
    w.open(60);
    expect(w.canOpen(50)).toBe(false); // 110 blocks
    expect(w.canOpen(40)).toBe(true);
    w.open(40);
    expect(w.canOpen(1)).toBe(false); // 3 ranges
    w.hold(55);
    w.hold(30);
    w.hold(-55);
    w.close(60);
    expect(w.usage()).toEqual({ ranges: 1, reservedBlocks: 40, heldBlocks: 30 });
    expect(w.highWater()).toEqual({ ranges: 2, reservedBlocks: 100, heldBlocks: 85 });
  });

  it('refuses a range that does not fit and limits below one', () => {
    const w = new LookaheadWindow({ ranges: 1, blocks: 10 });
    expect(() => w.open(11)).toThrow(StrategyError);
    expect(() => new LookaheadWindow({ ranges: 0, blocks: 10 })).toThrow(StrategyError);
  });
});
