import type { PenaltyLevel, RequestFailureKind, VerificationCheck } from '@hotsync/core';
import { assertNever } from './assert-never.js';

/**
 * Which score component a fault weighs on. Liveness faults (slow, gone, busy) can be earned
 * back by useful work; misbehaviour (bad bytes, forged or foreign data) cannot: rewards
 * never offset it, so goodwill cannot buy forgiveness for forged data.
 */
export type PenaltyClass = 'liveness' | 'misbehaviour';

/** What a failed request means for the peer that served it. */
export type FailureJudgement =
  | {
      readonly kind: 'penalty';
      readonly level: PenaltyLevel;
      readonly penaltyClass: PenaltyClass;
      /**
       * The fault may be ours or the network's (timeouts, disconnects): not penalized while
       * we are overloaded or while the circuit breaker says most peers fail at once.
       */
      readonly mayBeOurs: boolean;
    }
  /** Back-pressure: honour the retry-after by not selecting the peer; no penalty. */
  | { readonly kind: 'wait' }
  /** We cancelled the request: nothing to learn about the peer. */
  | { readonly kind: 'ours' };

const penalty = (level: PenaltyLevel, penaltyClass: PenaltyClass, mayBeOurs = false): FailureJudgement => ({
  kind: 'penalty',
  level,
  penaltyClass,
  mayBeOurs,
});

/**
 * Returns its argument, and fails compilation when the list leaves out a member of `T`: the
 * lists below stay complete when core grows a kind or a check.
 */
function everyMemberOf<T extends string>() {
  return <const A extends readonly T[]>(
    items: A & ([Exclude<T, A[number]>] extends [never] ? unknown : { missing: Exclude<T, A[number]> }),
  ): A => items;
}

/** Every RequestFailureKind. */
export const REQUEST_FAILURE_KINDS = everyMemberOf<RequestFailureKind>()([
  'timeout',
  'unavailable',
  'rate-limited',
  'invalid-request',
  'server-error',
  'malformed-response',
  'oversized-response',
  'disconnected',
  'aborted',
]);

/** The mapping from a request failure to its consequence; the README table mirrors it. */
export function judgeFailure(kind: RequestFailureKind): FailureJudgement {
  switch (kind) {
    // Liveness: an honest peer far away or under load times out now and then, and the
    // cause may be our own link; low, and suspended by the circuit breaker.
    case 'timeout':
    case 'disconnected':
      return penalty('low', 'liveness', true);
    // Honest peers say "unavailable" when pruned or when asked for a proof they do not
    // keep, and have server errors; a nuisance, not malice.
    case 'unavailable':
    case 'server-error':
      return penalty('low', 'liveness');
    // We send only requests within the protocol's limits: a peer refusing them runs an
    // incompatible version or limits. Useless to us, but not proof of malice.
    case 'invalid-request':
      return penalty('mid', 'liveness');
    // Streams are authenticated and integrity-checked (noise), so broken framing or a
    // reply over the size limits comes from the peer's code or intent, and costs us work.
    case 'malformed-response':
    case 'oversized-response':
      return penalty('high', 'misbehaviour');
    case 'rate-limited':
      return { kind: 'wait' };
    case 'aborted':
      return { kind: 'ours' };
    default:
      return assertNever(kind);
  }
}

type FamilyOf<C extends string> = C extends `${infer F}.${string}` ? F : never;
/** A family of verification checks: the part of a `check` string before the first dot. */
export type CheckFamily = FamilyOf<VerificationCheck>;

export const CHECK_FAMILIES = everyMemberOf<CheckFamily>()([
  'structure',
  'qc',
  'link',
  'view',
  'justify',
  'time',
  'epoch',
  'commit',
  'state',
  'snapshot',
  'safety',
]);

/** Every VerificationCheck core defines. */
export const VERIFICATION_CHECKS = everyMemberOf<VerificationCheck>()([
  'structure.decode',
  'structure.chain-id',
  'structure.payload-hash',
  'structure.justify-hash',
  'structure.next-validator-set',
  'qc.shape',
  'qc.epoch',
  'qc.vote',
  'qc.signature',
  'qc.quorum',
  'link.parent',
  'link.height',
  'view.order',
  'justify.view',
  'time.order',
  'time.future',
  'epoch.boundary',
  'epoch.next-set',
  'commit.proof',
  'commit.views',
  'commit.target',
  'state.execution',
  'state.root',
  'snapshot.manifest',
  'snapshot.chunk',
  'snapshot.root',
  'safety.conflicting-qc',
  'safety.conflicting-commit',
]);

const KNOWN_CHECKS: ReadonlySet<string> = new Set(VERIFICATION_CHECKS);
const KNOWN_FAMILIES: ReadonlySet<string> = new Set(CHECK_FAMILIES);

/**
 * The level for data that failed a named verification check. Known checks go through an
 * exhaustive switch (a check added to core fails compilation here until someone decides its
 * level); checks a custom ChainSpec invents fall back on their family's level; a check of no
 * known family is invalid data all the same and weighs `high`.
 */
export function levelForCheck(check: string): PenaltyLevel {
  if (KNOWN_CHECKS.has(check)) return levelForKnownCheck(check as VerificationCheck);
  const family = check.split('.', 1)[0] ?? '';
  return KNOWN_FAMILIES.has(family) ? levelForFamily(family as CheckFamily) : 'high';
}

export function levelForKnownCheck(check: VerificationCheck): PenaltyLevel {
  switch (check) {
    // Data from another chain, tampered payloads, forged QCs or forged epoch changes: an
    // honest node never sends these, and one is enough to know.
    case 'structure.chain-id':
    case 'structure.payload-hash':
    case 'structure.justify-hash':
    case 'structure.next-validator-set':
    case 'qc.epoch':
    case 'qc.vote':
    case 'qc.signature':
    case 'qc.quorum':
    case 'epoch.next-set':
      return 'fatal';
    // Undecodable bytes or a malformed QC: garbage, but a version mismatch can cause it.
    case 'structure.decode':
    case 'qc.shape':
    // Blocks that do not chain or break consensus rules: a certified chain never does, so
    // the peer served something it should not have; a serving bug is possible, so not fatal.
    case 'link.parent':
    case 'link.height':
    case 'view.order':
    case 'justify.view':
    case 'time.order':
    case 'epoch.boundary':
    // A commit proof that does not prove commitment: e.g. a certified-but-uncommitted fork.
    case 'commit.proof':
    case 'commit.views':
    // A manifest or chunk that does not match the certified root: forged state.
    case 'snapshot.manifest':
    case 'snapshot.chunk':
    // The peer serves a chain that conflicts with ours. The evidence is genuine (the
    // validators equivocated) and the peer may be honest, so not fatal; sync stops anyway.
    case 'safety.conflicting-qc':
    case 'safety.conflicting-commit':
      return 'high';
    // A proof for another height than asked: most often a race at the moving tip.
    case 'commit.target':
      return 'mid';
    // A timestamp ahead of our clock may be our clock's fault.
    case 'time.future':
    // State is checked after the blocks' links and QCs verified, so the data is authentic:
    // a root mismatch points at our own execution (non-determinism) or at chunks from many
    // peers together, not at this peer.
    case 'state.execution':
    case 'state.root':
    case 'snapshot.root':
      return 'low';
    default:
      return assertNever(check);
  }
}

/** Fallback for checks a custom ChainSpec adds within a known family. */
export function levelForFamily(family: CheckFamily): PenaltyLevel {
  switch (family) {
    case 'qc':
      return 'fatal';
    case 'structure':
    case 'link':
    case 'view':
    case 'justify':
    case 'epoch':
    case 'commit':
    case 'snapshot':
    case 'safety':
      return 'high';
    case 'time':
      return 'mid';
    case 'state':
      return 'low';
    default:
      return assertNever(family);
  }
}
