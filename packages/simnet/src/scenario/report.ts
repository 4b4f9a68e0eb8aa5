import type { PeerId, PenaltyLevel } from '@hotsync/core';
import type { PeerTraffic } from '../network/traffic.js';
import type { RunEnd } from '../simulation.js';

/** A penalty a syncing node gave a peer (from its peer events), at virtual ms after the start. */
export interface PenaltyRecord {
  readonly atMs: number;
  readonly node: PeerId;
  readonly peer: PeerId;
  readonly level: PenaltyLevel;
  readonly reason: string;
}

export interface BanRecord {
  readonly atMs: number;
  readonly node: PeerId;
  readonly peer: PeerId;
  readonly reason: string;
  /** Virtual ms after the start. */
  readonly untilMs: number;
}

/** Something that went wrong in the simulation itself: a sync node's start() failed, a handler threw. */
export interface ErrorRecord {
  readonly node: PeerId;
  readonly code: string | undefined;
  readonly message: string;
}

export interface NodeReport {
  readonly role: 'serve' | 'sync';
  readonly behaviours: readonly string[];
  readonly online: boolean;
  /** Final tip (hash in hex), null for an empty store. */
  readonly tip: { readonly height: number; readonly hash: string } | null;
  /** The tip is its chain's tip. */
  readonly atChainTip: boolean;
  readonly totals: PeerTraffic;
  /** What it exchanged with each peer. */
  readonly peers: Readonly<Record<PeerId, PeerTraffic>>;
}

/**
 * The outcome of a run: plain data, all of it virtual (no wall-clock figure), so two runs
 * with one seed give equal reports.
 */
export interface ScenarioReport {
  readonly seed: number;
  readonly endedBy: RunEnd;
  /** Virtual ms from the start to the end of the run (before stopping the nodes). */
  readonly virtualTimeMs: number;
  /** Instants the scheduler processed. */
  readonly steps: number;
  /** SHA-256 over every network event: equal exactly when the schedules were. */
  readonly traceDigest: string;
  readonly traceEvents: number;
  readonly nodes: Readonly<Record<PeerId, NodeReport>>;
  readonly penalties: readonly PenaltyRecord[];
  readonly bans: readonly BanRecord[];
  readonly errors: readonly ErrorRecord[];
  /** Every trace line, with `recordTrace`. */
  readonly trace?: readonly string[];
}
