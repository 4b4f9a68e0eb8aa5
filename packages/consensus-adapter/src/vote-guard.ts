import { open, type RootDatabase } from 'lmdb';
import type { SafetyData } from './engine.js';
import { AdapterError } from './errors.js';

/** Where a validator keeps its safety data; writes resolve once durable. */
export interface SafetyStore {
  load(): SafetyData;
  save(data: SafetyData): Promise<void>;
  close(): Promise<void>;
}

/** In memory: tests and simulations. */
export class MemorySafetyStore implements SafetyStore {
  private data: SafetyData = { lastVotedView: 0 };
  load(): SafetyData {
    return this.data;
  }
  async save(data: SafetyData): Promise<void> {
    this.data = { ...data };
  }
  async close(): Promise<void> {}
}

const KEY = 'safety';

/** In LMDB (durable: `save` resolves after the flush), one small record. */
export class LmdbSafetyStore implements SafetyStore {
  private constructor(private readonly db: RootDatabase<SafetyData, string>) {}

  static open(path: string): LmdbSafetyStore {
    return new LmdbSafetyStore(open<SafetyData, string>({ path, encoding: 'json' }));
  }

  load(): SafetyData {
    return this.db.get(KEY) ?? { lastVotedView: 0 };
  }

  async save(data: SafetyData): Promise<void> {
    await this.db.put(KEY, { ...data });
    await this.db.flushed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * The rule a validator must keep across pauses, syncs and restarts: never vote in a view at
 * or below the last one it voted in. `recordVote` persists the view before the vote may be
 * sent (write-ahead), so a crash after sending cannot forget it.
 */
export class VoteGuard {
  private data: SafetyData;
  // Votes are checked and persisted one at a time: two concurrent calls for one view must not both pass.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: SafetyStore) {
    this.data = store.load();
  }

  safetyData(): SafetyData {
    return this.data;
  }

  mayVote(view: number): boolean {
    return view > this.data.lastVotedView;
  }

  /** Persists `view` as voted; throws `adapter.vote-refused` (and persists nothing) when it is not above the last. */
  recordVote(view: number, lockedView?: number): Promise<void> {
    const run = this.queue.then(() => this.persistVote(view, lockedView));
    this.queue = run.catch(() => {});
    return run;
  }

  private async persistVote(view: number, lockedView?: number): Promise<void> {
    if (!this.mayVote(view)) {
      throw new AdapterError(
        'adapter.vote-refused',
        `refusing to vote in view ${view}: already voted in view ${this.data.lastVotedView}`,
        {
          view,
          lastVotedView: this.data.lastVotedView,
        },
      );
    }
    const next: SafetyData = {
      lastVotedView: view,
      ...(lockedView !== undefined || this.data.lockedView !== undefined
        ? { lockedView: Math.max(lockedView ?? 0, this.data.lockedView ?? 0) }
        : {}),
    };
    await this.store.save(next);
    this.data = next;
  }
}
