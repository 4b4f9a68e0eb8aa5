import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { BenchProfile } from '../profile.js';
import type { Children } from './children.js';

/** What every step of a run shares. */
export interface RunContext {
  readonly profile: BenchProfile;
  readonly children: Children;
  /** A temporary directory for this run's stores (removed at the end). */
  readonly runDir: string;
  readonly log: (line: string) => void;
}

/** A fresh directory name under the run directory for one child's data. */
export function dataDir(ctx: RunContext, label: string): string {
  return join(ctx.runDir, `${label.replace(/[^a-z0-9-]/gi, '_')}-${randomUUID().slice(0, 8)}`);
}
