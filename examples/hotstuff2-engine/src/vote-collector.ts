import { assembleQc, type QuorumCertificate, type Signature, toHex, type Vote } from '@hotsync/core';
import type { Roster } from './leader.js';
import type { ValidatorIndex } from './messages.js';

/** Views (or blocks) tracked at once. */
const MAX_TRACKED = 256;

interface Tally {
  readonly vote: Vote;
  readonly signatures: Map<ValidatorIndex, Signature>;
  done: boolean;
}

/**
 * The next leader's ballot box: verified votes grouped by exactly what they sign (epoch, view,
 * height, block), turned into a QC (core's `assembleQc`) the moment their voting power reaches
 * the quorum. Later votes for the same block are ignored: one QC per block is enough.
 */
export class VoteCollector {
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly roster: Roster) {}

  /** Adds a verified vote; returns the QC the first time its block's votes reach a quorum. */
  add(vote: Vote, voter: ValidatorIndex, signature: Signature): QuorumCertificate | undefined {
    const key = `${vote.epoch}:${vote.view}:${vote.height}:${toHex(vote.blockHash)}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      // Validly signed votes for blocks nobody proposed can only come from faulty validators: bound them.
      if (this.tallies.size >= MAX_TRACKED) this.tallies.delete(this.tallies.keys().next().value!);
      tally = { vote, signatures: new Map(), done: false };
      this.tallies.set(key, tally);
    }
    if (tally.done || tally.signatures.has(voter)) return undefined;
    tally.signatures.set(voter, signature);
    if (this.roster.power(tally.signatures.keys()) < this.roster.quorum) return undefined;
    tally.done = true;
    return assembleQc(
      tally.vote,
      this.roster.set,
      [...tally.signatures].map(([index, sig]) => ({
        publicKey: this.roster.publicKey(index),
        signature: sig,
      })),
    );
  }

  /** Forgets tallies of views below `view`. */
  prune(view: number): void {
    for (const [key, tally] of this.tallies) if (tally.vote.view < view) this.tallies.delete(key);
  }
}

/**
 * New-view messages per view: who moved there, and the highest QC they reported. A leader
 * proposes after a quorum of them; any replica follows to a view once a weak quorum (more
 * power than the faulty can hold) is there, so timed-out replicas find a common view again.
 */
export class NewViewTracker {
  private readonly byView = new Map<number, Set<ValidatorIndex>>();

  constructor(private readonly roster: Roster) {}

  add(view: number, sender: ValidatorIndex): void {
    let senders = this.byView.get(view);
    if (!senders) {
      if (this.byView.size >= MAX_TRACKED) {
        // A faulty validator can sign new-views for any future view: keep the nearest ones.
        const farthest = Math.max(...this.byView.keys());
        if (view > farthest) return;
        this.byView.delete(farthest);
      }
      senders = new Set();
      this.byView.set(view, senders);
    }
    senders.add(sender);
  }

  has(view: number, sender: ValidatorIndex): boolean {
    return this.byView.get(view)?.has(sender) ?? false;
  }

  hasQuorum(view: number): boolean {
    return this.roster.power(this.byView.get(view) ?? []) >= this.roster.quorum;
  }

  hasWeakQuorum(view: number): boolean {
    return this.roster.power(this.byView.get(view) ?? []) >= this.roster.weakQuorum;
  }

  prune(view: number): void {
    for (const v of this.byView.keys()) if (v < view) this.byView.delete(v);
  }
}
