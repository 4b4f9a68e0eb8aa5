import type { ConsensusEngine, SyncCoordinator } from '@hotsync/consensus-adapter';
import type { SyncManager, SyncNetwork } from '@hotsync/core';
import type { ReportingStrategy } from './catch-up-strategy.js';
import type { StrategyDecision, SyncReport } from './ipc.js';

interface Episode {
  readonly startedAtMs: number;
  readonly fromHeight: number;
  readonly phases: string[];
  readonly decisions: StrategyDecision[];
  readonly servingPeers: Set<string>;
  runs: number;
  penalized: number;
  banned: number;
}

/**
 * Measures each pause → sync → resume episode of a validator from the events of its
 * coordinator and sync manager: heights from the engine, time from the wall clock,
 * penalties and bans as the manager reports them, what the strategy chose and which peers
 * served ranges. What the demo's summary prints comes from here, measured, never assumed.
 */
export class SyncEpisodes {
  private current: Episode | undefined;
  private readonly listeners = new Set<(report: SyncReport) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly reports: SyncReport[] = [];

  constructor(
    private readonly manager: SyncManager,
    coordinator: SyncCoordinator,
    private readonly engine: ConsensusEngine,
    private readonly network: SyncNetwork,
    private readonly strategy: Pick<ReportingStrategy, 'decisions' | 'stats'> | undefined,
  ) {
    this.unsubscribe.push(
      coordinator.on('mode', ({ to }) => (to === 'syncing' ? this.begin() : this.end())),
      coordinator.on('sync-finished', () => this.runFinished()),
      manager.on('phase', (t) => {
        const phases = this.current?.phases;
        if (phases && phases.at(-1) !== t.to.name) phases.push(t.to.name);
      }),
      manager.on('peer:penalized', () => {
        if (this.current) this.current.penalized++;
      }),
      manager.on('peer:banned', () => {
        if (this.current) this.current.banned++;
      }),
    );
  }

  onReport(listener: (report: SyncReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reports of the episodes finished so far. */
  finished(): readonly SyncReport[] {
    return this.reports;
  }

  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.listeners.clear();
  }

  private begin(): void {
    this.current = {
      startedAtMs: Date.now(),
      fromHeight: this.engine.committedHeight(),
      phases: [],
      decisions: [],
      servingPeers: new Set(),
      runs: 0,
      penalized: 0,
      banned: 0,
    };
  }

  private runFinished(): void {
    const e = this.current;
    if (!e) return;
    e.runs++;
    for (const d of this.strategy?.decisions() ?? []) {
      e.decisions.push({ choice: d.choice, atHeight: d.atHeight, reason: d.reason });
    }
    for (const [peer, stats] of Object.entries(this.strategy?.stats()?.peers ?? {})) {
      if (stats.blocks > 0) e.servingPeers.add(peer);
    }
  }

  private end(): void {
    const e = this.current;
    if (!e) return;
    this.current = undefined;
    const toHeight = this.engine.committedHeight();
    const seconds = (Date.now() - e.startedAtMs) / 1000;
    const blocks = toHeight - e.fromHeight;
    const report: SyncReport = {
      fromHeight: e.fromHeight,
      toHeight,
      blocks,
      seconds,
      blocksPerSec: seconds > 0 ? blocks / seconds : 0,
      strategy: this.manager.status().strategy ?? 'none',
      decisions: e.decisions,
      phases: e.phases,
      runs: e.runs,
      penalized: e.penalized,
      banned: e.banned,
      servingPeers: e.servingPeers.size,
      peersAtEnd: this.network.connectedPeers().length,
    };
    this.reports.push(report);
    for (const listener of [...this.listeners]) listener(report);
  }
}
