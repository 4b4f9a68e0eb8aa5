import {
  type Block,
  type ChainStore,
  type CommitProof,
  decodeBlock,
  type PublicKey,
  type QuorumCertificate,
  type SigningKey,
  type TrustedPoint,
  type ValidatorSet,
} from '@hotsync/core';
import type { SignatureBackend } from '@hotsync/validation';
import type { TreeRoot } from './block-tree.js';
import { EngineError } from './errors.js';
import { Roster } from './leader.js';
import type { ValidatorIndex } from './messages.js';
import { SignatureChecker } from './signatures.js';
import type { NodeId } from './transport.js';
import { NewViewTracker, VoteCollector } from './vote-collector.js';

/**
 * What live consensus runs on between two (re)starts: the validator set of the store's tip
 * (live consensus never changes it; a sync that crosses an epoch change brings the next one
 * at resume), this node's place in it, and the per-set bookkeeping.
 */
export interface Session {
  readonly roster: Roster;
  /** This node's index, or undefined for a node that follows without voting. */
  readonly me: ValidatorIndex | undefined;
  readonly checker: SignatureChecker;
  readonly votes: VoteCollector;
  readonly newViews: NewViewTracker;
}

export interface SessionParts {
  readonly chainId: Uint8Array;
  readonly key: SigningKey | undefined;
  readonly store: ChainStore;
  readonly backend: SignatureBackend;
  readonly nodeIdOf: (publicKey: PublicKey) => NodeId;
}

export function openSession(parts: SessionParts, set: ValidatorSet): Session {
  const roster = new Roster(set, parts.nodeIdOf);
  const index = parts.key ? roster.indexOf(parts.key.publicKey) : -1;
  const setOf = (epoch: number) => (epoch === set.epoch ? set : parts.store.validatorSet(epoch));
  return {
    roster,
    me: index >= 0 ? index : undefined,
    checker: new SignatureChecker(parts.chainId, parts.backend, setOf),
    votes: new VoteCollector(roster),
    newViews: new NewViewTracker(roster),
  };
}

/** The store's committed tip, its block and the QC certifying it (the commit proof's). */
export interface CommittedTip {
  readonly root: TreeRoot;
  /** Highest view the tip's commit proof shows signed (its child's, for a two-chain). */
  readonly proofView: number;
}

export function readCommittedTip(store: ChainStore): CommittedTip {
  const point: TrustedPoint | undefined = store.tip();
  if (!point) throw new EngineError('engine.store-empty', 'the chain store has no tip: initialize it first');
  const bytes = store.blockBytes(point.height);
  const block: Block | undefined = bytes ? decodeBlock(bytes) : undefined;
  const proof: CommitProof | undefined = store.commitProof(point.height);
  const qc: QuorumCertificate | undefined = proof?.qc;
  let proofView = point.view;
  if (proof) proofView = proof.kind === 'two-chain' ? proof.child.view : proof.commitQc.vote.view;
  return { root: { point, block, qc }, proofView };
}
