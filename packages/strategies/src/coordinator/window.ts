import { StrategyError } from '../errors.js';

export interface WindowLimits {
  /** Ranges open at once: planned and not yet stored. */
  readonly ranges: number;
  /** Blocks reserved at once (each open range reserves its request size, extras included). */
  readonly blocks: number;
}

export interface WindowUsage {
  readonly ranges: number;
  /** Blocks reserved by open ranges. */
  readonly reservedBlocks: number;
  /** Blocks actually held in memory: downloaded, not yet stored. */
  readonly heldBlocks: number;
}

/**
 * The bounded look-ahead (DESIGN §5): how far downloads may run ahead of what is stored.
 * A range reserves its request size when it is planned and gives it back when it is
 * stored, so the blocks held between download and commit never exceed `limits.blocks`,
 * however peers answer. Keeps high-water marks, so a test can check the bound held.
 */
export class LookaheadWindow {
  private ranges = 0;
  private reserved = 0;
  private held = 0;
  private high: WindowUsage = { ranges: 0, reservedBlocks: 0, heldBlocks: 0 };

  constructor(readonly limits: WindowLimits) {
    if (!(limits.ranges >= 1 && limits.blocks >= 1)) {
      throw new StrategyError(
        'strategy.invalid-option',
        `window limits must be >= 1 (${JSON.stringify(limits)})`,
      );
    }
  }

  canOpen(blocks: number): boolean {
    return this.ranges + 1 <= this.limits.ranges && this.reserved + blocks <= this.limits.blocks;
  }

  /** Opens a range reserving `blocks`; throws when it does not fit (callers ask `canOpen` first). */
  open(blocks: number): void {
    if (!this.canOpen(blocks)) {
      throw new StrategyError(
        'strategy.invalid-transition',
        `a range of ${blocks} blocks does not fit the window (${this.ranges}/${this.limits.ranges} ranges, ${this.reserved}/${this.limits.blocks} blocks)`,
      );
    }
    this.ranges++;
    this.reserved += blocks;
    this.mark();
  }

  close(blocks: number): void {
    this.ranges--;
    this.reserved -= blocks;
  }

  /** Blocks now held in memory changed by `delta` (a download landed, a range was stored or dropped). */
  hold(delta: number): void {
    this.held += delta;
    this.mark();
  }

  usage(): WindowUsage {
    return { ranges: this.ranges, reservedBlocks: this.reserved, heldBlocks: this.held };
  }

  highWater(): WindowUsage {
    return this.high;
  }

  private mark(): void {
    const h = this.high;
    if (this.ranges > h.ranges || this.reserved > h.reservedBlocks || this.held > h.heldBlocks) {
      this.high = {
        ranges: Math.max(h.ranges, this.ranges),
        reservedBlocks: Math.max(h.reservedBlocks, this.reserved),
        heldBlocks: Math.max(h.heldBlocks, this.held),
      };
    }
  }
}
