import type { PeerId } from '@hotsync/core';
import type { PeerTuning } from './options.js';

/** Whether failures that may be ours (timeouts, disconnects) are being penalized. */
export type CircuitState =
  | { readonly state: 'closed' }
  | {
      /** Most peers fail at once: we suspect ourselves or the network, and penalize nobody for it. */
      readonly state: 'open';
      readonly sinceMs: number;
      /** What tripped it. */
      readonly failureRatio: number;
      readonly failingPeers: number;
      readonly samples: number;
    };

/** One outcome in the window. `penalty` is what was taken for it, refunded if the breaker trips. */
export interface CircuitSample {
  /** Order of recording (outcomes of one instant are still ordered). */
  readonly seq: number;
  readonly atMs: number;
  readonly peer: PeerId;
  readonly failed: boolean;
  penalty: number;
}

export interface WindowStats {
  readonly samples: number;
  readonly failures: number;
  readonly failingPeers: number;
  readonly peers: number;
  /**
   * Peers that succeeded after the window's first failure and did not fail since: proof
   * that our side and the network work, so the failures are the failing peers' own.
   */
  readonly witnesses: number;
}

const MAX_SAMPLES = 4_096;

type BreakerTuning = PeerTuning['circuitBreaker'];

/**
 * Counts recent outcomes across all peers. When most of them are timeouts or disconnects
 * from most of the peers at once, the likelier cause is our link, our host or a network
 * event, not a majority of bad peers: banning everyone would leave us alone with whoever
 * is left (maybe an attacker). While open, those kinds are not penalized; penalties taken
 * in the window just before it opened are refunded.
 */
export class CircuitBreaker {
  private samples: CircuitSample[] = [];
  private current: CircuitState = { state: 'closed' };
  private nextSeq = 0;
  /** `seq` of the first sample after the breaker opened. */
  private openedAtSeq = 0;

  constructor(private readonly tuning: BreakerTuning) {}

  /** Adds an outcome (successes too: they are the evidence that the network works). */
  record(nowMs: number, peer: PeerId, failed: boolean): CircuitSample {
    const sample: CircuitSample = { seq: this.nextSeq++, atMs: nowMs, peer, failed, penalty: 0 };
    this.samples.push(sample);
    // A burst cannot grow the window without bound; the newest samples are what matter.
    if (this.samples.length > MAX_SAMPLES) this.samples = this.samples.slice(-MAX_SAMPLES);
    return sample;
  }

  /**
   * Re-evaluates at `nowMs`. On opening, returns the window's penalized samples so their
   * penalties can be refunded (each is returned once).
   */
  evaluate(nowMs: number): {
    readonly state: CircuitState;
    readonly changed: boolean;
    readonly refunds: CircuitSample[];
  } {
    this.prune(nowMs);
    const stats = this.stats();
    const t = this.tuning;
    const ratio = stats.samples === 0 ? 0 : stats.failures / stats.samples;
    const wasOpen = this.current.state === 'open';
    if (!wasOpen) {
      const trips =
        stats.samples >= t.minSamples &&
        ratio > t.failureRatio &&
        stats.failingPeers >= t.minPeers &&
        // Most of the peers we heard from, not one peer failing many times.
        stats.failingPeers * 2 > stats.peers &&
        // ...and nobody gets through meanwhile (a majority of withholding peers must not be
        // able to pass for our own outage and escape every penalty).
        stats.witnesses === 0;
      if (!trips) return { state: this.current, changed: false, refunds: [] };
      this.openedAtSeq = this.nextSeq;
      this.current = {
        state: 'open',
        sinceMs: nowMs,
        failureRatio: ratio,
        failingPeers: stats.failingPeers,
        samples: stats.samples,
      };
      const refunds = this.samples
        .filter((s) => s.penalty > 0)
        .map((s) => {
          const refund = { ...s };
          s.penalty = 0;
          return refund;
        });
      return { state: this.current, changed: true, refunds };
    }
    // Closes once failures no longer dominate a full window, or have stopped altogether, or
    // a peer gets through while others keep failing: then the outage, if any, is over.
    const recovered =
      stats.failures === 0 ||
      (stats.samples >= t.minSamples && ratio <= t.failureRatio) ||
      witnesses(this.samples.filter((s) => s.seq >= this.openedAtSeq)) > 0;
    if (!recovered) return { state: this.current, changed: false, refunds: [] };
    this.current = { state: 'closed' };
    return { state: this.current, changed: true, refunds: [] };
  }

  state(): CircuitState {
    return this.current;
  }

  stats(): WindowStats {
    let failures = 0;
    const peers = new Set<PeerId>();
    const failing = new Set<PeerId>();
    for (const s of this.samples) {
      peers.add(s.peer);
      if (s.failed) {
        failures++;
        failing.add(s.peer);
      }
    }
    const firstFailure = this.samples.findIndex((s) => s.failed);
    return {
      samples: this.samples.length,
      failures,
      failingPeers: failing.size,
      peers: peers.size,
      witnesses: firstFailure < 0 ? 0 : witnesses(this.samples.slice(firstFailure)),
    };
  }

  private prune(nowMs: number): void {
    const oldest = nowMs - this.tuning.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.atMs <= oldest) drop++;
    if (drop > 0) this.samples = this.samples.slice(drop);
  }
}

/** Peers with a success among `samples` and no failure after it. */
function witnesses(samples: readonly CircuitSample[]): number {
  const last = new Map<PeerId, boolean>(); // peer -> its latest outcome failed
  for (const s of samples) last.set(s.peer, s.failed);
  let n = 0;
  for (const failed of last.values()) if (!failed) n++;
  return n;
}
