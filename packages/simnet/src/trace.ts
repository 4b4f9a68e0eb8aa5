import { createHash, type Hash } from 'node:crypto';
import type { Clock } from '@hotsync/core';

/**
 * What happened on the simulated network, in order: every message sent, delivered, lost
 * and every connection change. The digest covers every line, so two runs scheduled the
 * same events exactly when their digests are equal; the lines themselves are kept only
 * on request (they are the first thing to look at when a seed misbehaves).
 */
export class Trace {
  private readonly hash: Hash = createHash('sha256');
  private readonly kept: string[] | undefined;
  private count = 0;

  constructor(
    private readonly clock: Clock,
    keepLines: boolean,
  ) {
    this.kept = keepLines ? [] : undefined;
  }

  record(event: string): void {
    const line = `${this.clock.now()} ${event}`;
    this.hash.update(line).update('\n');
    this.kept?.push(line);
    this.count++;
  }

  get events(): number {
    return this.count;
  }

  /** Hex SHA-256 of every line so far. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  lines(): readonly string[] | undefined {
    return this.kept;
  }
}
