import {
  AbortedError,
  bytesEqual,
  type Clock,
  type Hash,
  type TrustedPoint,
  type ValidatorSet,
  type Verification,
  type VerificationMode,
} from '@hotsync/core';
import type { SetLookup } from '../commit-proof.js';
import { fail, ok, short } from '../result.js';
import type { QcTask } from './signatures.js';
import { ABORT_CHECK_INTERVAL, type DecodedBlock } from './structure.js';

export interface ConsensusRulesContext {
  readonly clock: Clock;
  /** How far past `clock.now()` a timestamp may be. */
  readonly maxFutureDriftMs: number;
  readonly mode: VerificationMode;
  /** Sets the verifier already trusts (for the QC of the trusted block itself). */
  readonly knownSet: SetLookup;
}

export interface ConsensusOutcome {
  /** Justify QCs whose signatures carry trust in this mode (stage 3). */
  readonly qcTasks: QcTask[];
  /** Sets learned from epoch-ending blocks, in order. */
  readonly learnedSets: ValidatorSet[];
  /** Set of each epoch the range touches. */
  readonly sets: ReadonlyMap<number, ValidatorSet>;
  /** The set that certifies the block after the range's last (the next epoch's after an epoch end). */
  readonly nextSet: ValidatorSet;
}

/** Whether the justify QC certifying `prev` needs its signatures checked in `mode`. */
function carriesTrust(mode: VerificationMode, prev: Previous): boolean {
  switch (mode) {
    case 'full':
      return true;
    case 'anchored':
      // The QC of an epoch-ending block authenticates the next set; every other one is bound
      // to the range by hashes and covered by the commit proof of the last block.
      return prev.inRange && prev.endsEpoch;
  }
}

interface Previous {
  readonly height: number;
  readonly hash: Hash;
  readonly view: number;
  readonly epoch: number;
  readonly timestampMs: number;
  readonly endsEpoch: boolean;
  readonly inRange: boolean;
}

/**
 * Stage 2 over a range, in height order, each block against its predecessor (the trusted
 * point for the first). Order of checks per block (the first that fails is reported):
 * `link.height`, `link.parent`, `view.order`, `justify.view`, `qc.vote` (the justify votes for
 * exactly the parent: hash, height, view, prepare), `qc.epoch`, `time.order`, `time.future`,
 * `epoch.boundary`.
 *
 * It also decides which justify QCs stage 3 verifies: `full` every one (the trusted block's
 * too, when its set is known); `anchored` only those certifying an epoch-ending block inside
 * the range: they authenticate the next set. All others are bound to the range by hashes
 * (each header commits to its justify through `justifyHash`) and the commit proof of the last
 * block authenticates them all.
 */
export function checkConsensusRules<B>(
  trusted: TrustedPoint,
  blocks: readonly DecodedBlock<B>[],
  ctx: ConsensusRulesContext,
  signal?: AbortSignal,
): Verification<ConsensusOutcome> {
  const sets = new Map<number, ValidatorSet>([[trusted.validatorSet.epoch, trusted.validatorSet]]);
  const learnedSets: ValidatorSet[] = [];
  const qcTasks: QcTask[] = [];
  const latest = ctx.clock.now() + ctx.maxFutureDriftMs;
  let nextSet = trusted.validatorSet;
  let prev: Previous = {
    height: trusted.height,
    hash: trusted.hash,
    view: trusted.view,
    epoch: trusted.epoch,
    timestampMs: trusted.timestampMs,
    endsEpoch: trusted.validatorSet.epoch !== trusted.epoch,
    inRange: false,
  };

  for (let i = 0; i < blocks.length; i++) {
    if (i % ABORT_CHECK_INTERVAL === 0 && signal?.aborted) throw new AbortedError(signal.reason);
    const b = blocks[i]!;
    const site = { height: b.expectedHeight, peer: b.peer };
    if (b.height !== prev.height + 1) {
      return fail('link.height', `block claims height ${b.height}, expected ${prev.height + 1}`, site);
    }
    if (!bytesEqual(b.parentHash, prev.hash)) {
      return fail('link.parent', `parent ${short(b.parentHash)}… is not block ${short(prev.hash)}…`, site);
    }
    if (b.view <= prev.view)
      return fail('view.order', `view ${b.view} does not follow the parent's view ${prev.view}`, site);
    const vote = b.justify.vote;
    if (vote.view >= b.view)
      return fail('justify.view', `justify view ${vote.view} is not below view ${b.view}`, site);
    if (!bytesEqual(vote.blockHash, prev.hash)) {
      return fail(
        'qc.vote',
        `justify certifies ${short(vote.blockHash)}…, not the parent ${short(prev.hash)}…`,
        site,
      );
    }
    if (vote.height !== prev.height || vote.view !== prev.view || vote.phase !== 'prepare') {
      return fail(
        'qc.vote',
        `justify is a ${vote.phase} vote for height ${vote.height} view ${vote.view}, the parent has height ${prev.height} view ${prev.view}`,
        site,
      );
    }
    if (vote.epoch !== prev.epoch) {
      return fail(
        'qc.epoch',
        `justify is a vote of epoch ${vote.epoch}, the parent is in epoch ${prev.epoch}`,
        site,
      );
    }
    if (b.timestampMs < prev.timestampMs) {
      return fail(
        'time.order',
        `timestamp ${b.timestampMs} is before the parent's ${prev.timestampMs}`,
        site,
      );
    }
    if (b.timestampMs > latest) {
      return fail(
        'time.future',
        `timestamp ${b.timestampMs} is more than ${ctx.maxFutureDriftMs} ms ahead of now`,
        site,
      );
    }
    if (b.epoch !== nextSet.epoch) {
      const why = prev.endsEpoch ? 'the parent ended its epoch' : 'the parent did not end its epoch';
      return fail('epoch.boundary', `block is in epoch ${b.epoch}, expected ${nextSet.epoch} (${why})`, site);
    }

    if (carriesTrust(ctx.mode, prev)) {
      const set = sets.get(prev.epoch) ?? ctx.knownSet(prev.epoch);
      // Only the trusted block's own QC can lack a set (a restart just after an epoch change);
      // that block is trusted already, so its QC adds nothing.
      if (set)
        qcTasks.push({
          qc: b.justify,
          set,
          height: b.expectedHeight,
          peer: b.peer,
          role: `justify of block ${b.expectedHeight}`,
        });
    }

    if (b.epochChange?.nextValidatorSet) {
      nextSet = b.epochChange.nextValidatorSet;
      sets.set(nextSet.epoch, nextSet);
      learnedSets.push(nextSet);
    }
    prev = {
      height: b.height,
      hash: b.hash,
      view: b.view,
      epoch: b.epoch,
      timestampMs: b.timestampMs,
      endsEpoch: b.epochChange !== undefined,
      inRange: true,
    };
  }
  return ok({ qcTasks, learnedSets, sets, nextSet });
}
