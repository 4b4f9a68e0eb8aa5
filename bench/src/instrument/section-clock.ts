/**
 * Main-thread time by section, for the "time in coordination" column.
 *
 * Synchronous calls are wrapped (`run`); wrapped calls nest, and time is charged to the
 * innermost section only. So a scheduling call that starts a download charges the
 * synchronous part of the network call to `other`, not to `coordination`. Only synchronous
 * work is ever charged: a wrapped function that returns a promise stops the clock when it
 * returns, and what runs after its `await`s is not the call's.
 */
export type Section = 'coordination' | 'other';

export class SectionClock {
  private readonly stack: Section[] = [];
  private last = 0;
  private readonly totals: Record<Section, number> = { coordination: 0, other: 0 };

  run<T>(section: Section, fn: () => T): T {
    this.charge();
    this.stack.push(section);
    try {
      return fn();
    } finally {
      this.charge();
      this.stack.pop();
    }
  }

  /** Milliseconds charged to `section` so far. */
  ms(section: Section): number {
    return this.totals[section];
  }

  private charge(): void {
    const now = performance.now();
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) this.totals[top] += now - this.last;
    this.last = now;
  }
}
