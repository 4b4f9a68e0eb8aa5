import type { Logger, PeerBan, PeerId } from '@hotsync/core';
import type { BanStore } from './options.js';

/** A store write that failed; the ban list stays correct in memory regardless. */
export interface BanStoreFailure {
  readonly operation: 'putBan' | 'removeBan' | 'bans';
  readonly peer: PeerId | undefined;
  readonly error: unknown;
}

/**
 * Bans in memory, mirrored to the ChainStore. Reads are synchronous map lookups because the
 * connection gater asks for every inbound and outbound connection; writes go to the store
 * one after another (a ban and its lifting must land in the order they happened) and never
 * block the caller.
 */
export class BanList {
  private readonly bans = new Map<PeerId, PeerBan>();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: BanStore | undefined,
    private readonly logger: Logger,
    private readonly onStoreFailure: (failure: BanStoreFailure) => void,
  ) {}

  /** Reads the persisted bans; expired ones are lifted (and removed from the store). */
  load(nowMs: number): { readonly loaded: readonly PeerBan[]; readonly expired: readonly PeerBan[] } {
    if (!this.store) return { loaded: [], expired: [] };
    let stored: PeerBan[];
    try {
      stored = this.store.bans();
    } catch (error) {
      this.onStoreFailure({ operation: 'bans', peer: undefined, error });
      return { loaded: [], expired: [] };
    }
    const loaded: PeerBan[] = [];
    const expired: PeerBan[] = [];
    for (const ban of stored) {
      if (ban.untilMs <= nowMs) {
        expired.push(ban);
        this.write('removeBan', ban.peer, (store) => store.removeBan(ban.peer));
        continue;
      }
      const current = this.bans.get(ban.peer);
      if (!current || current.untilMs < ban.untilMs) this.bans.set(ban.peer, ban);
      loaded.push(ban);
    }
    return { loaded, expired };
  }

  /** Whether `peer` is banned at `nowMs`; an expired ban reads as lifted (and is lifted on the next sweep). */
  isBanned(peer: PeerId, nowMs: number): boolean {
    const ban = this.bans.get(peer);
    return ban !== undefined && ban.untilMs > nowMs;
  }

  get(peer: PeerId, nowMs: number): PeerBan | undefined {
    const ban = this.bans.get(peer);
    return ban && ban.untilMs > nowMs ? ban : undefined;
  }

  /**
   * Records a ban and persists it. A ban never shortens one already running: returns the
   * ban in force afterwards, and whether it is new or longer than before.
   */
  add(ban: PeerBan): { readonly ban: PeerBan; readonly changed: boolean } {
    const current = this.bans.get(ban.peer);
    if (current && current.untilMs >= ban.untilMs) return { ban: current, changed: false };
    this.bans.set(ban.peer, ban);
    this.write('putBan', ban.peer, (store) => store.putBan(ban));
    return { ban, changed: true };
  }

  /** Lifts a ban (expired or by hand); returns it, or undefined when there was none. */
  remove(peer: PeerId): PeerBan | undefined {
    const ban = this.bans.get(peer);
    if (!ban) return undefined;
    this.bans.delete(peer);
    this.write('removeBan', peer, (store) => store.removeBan(peer));
    return ban;
  }

  /** Lifts every ban expired at `nowMs`; returns them. */
  removeExpired(nowMs: number): PeerBan[] {
    const lifted: PeerBan[] = [];
    for (const ban of [...this.bans.values()]) {
      if (ban.untilMs <= nowMs) {
        this.remove(ban.peer);
        lifted.push(ban);
      }
    }
    return lifted;
  }

  /** Bans in force at `nowMs`. */
  list(nowMs: number): PeerBan[] {
    return [...this.bans.values()].filter((b) => b.untilMs > nowMs);
  }

  /** Resolves when every store write issued so far has settled (failures are reported, not thrown). */
  flush(): Promise<void> {
    return this.writes;
  }

  private write(
    operation: BanStoreFailure['operation'],
    peer: PeerId,
    op: (store: BanStore) => Promise<void>,
  ): void {
    const store = this.store;
    if (!store) return;
    this.writes = this.writes.then(async () => {
      try {
        await op(store);
      } catch (error) {
        this.logger.warn({ peer, operation, err: error }, 'peer ban store write failed');
        this.onStoreFailure({ operation, peer, error });
      }
    });
  }
}
