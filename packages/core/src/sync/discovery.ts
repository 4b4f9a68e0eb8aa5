import type { ChainSpec } from '../chain/chain-spec.js';
import { headerHash } from '../chain/codec.js';
import type { Block, Hash, ValidatorSet } from '../chain/types.js';
import { bytesEqual, toHex } from '../encoding/bytes.js';
import { AbortedError, HotsyncError, throwIfAborted } from '../errors.js';
import type { ChainStore } from '../interfaces/chain-store.js';
import type { Logger } from '../interfaces/logger.js';
import { type PeerId, type PeerStatus, RequestError, type SyncNetwork } from '../interfaces/network.js';
import type { PeerManager } from '../interfaces/peer-manager.js';
import type { SyncTarget } from '../interfaces/sync-manager.js';
import {
  type BlockVerifier,
  SafetyViolationError,
  type VerificationFailure,
  VerificationFailureError,
} from '../interfaces/verifier.js';
import type { Clock } from '../time/clock.js';

export interface DiscoveryParts {
  readonly network: SyncNetwork;
  readonly peers: PeerManager;
  readonly verifier: BlockVerifier<Block>;
  readonly store: ChainStore;
  readonly chain: ChainSpec<Block>;
  readonly logger: Logger;
  /** Validator sets learned ahead of the stored chain (written by the epoch walk). */
  readonly learnedSets: Map<number, ValidatorSet>;
  readonly clock: Clock;
  /** How long to wait for a first peer to connect before giving up on this attempt. */
  readonly peerWaitMs: number;
  /** Proven peers after which discovery does not wait for slower probes (they finish in the background). */
  readonly enoughProven: number;
  /** ...but still waits this long for them, so the target reflects more than the fastest peer. */
  readonly graceMs: number;
}

export interface DiscoveryResult {
  /** Where to sync to; undefined when no peer proved a height. */
  readonly target: SyncTarget | undefined;
  readonly peersAsked: number;
  readonly peersProven: number;
}

/** A peer lied or sent something that does not verify: blamed, never trusted. */
const PeerMisbehaved = VerificationFailureError;

/** Other peers asked for an epoch change the probed peer could not supply. */
const EPOCH_HELPERS = 4;

/**
 * Discovering (DESIGN §4, §6): ask every connected peer for its status, make it prove its
 * height with a commit proof (walking epoch changes first when the proof is signed by a
 * set we do not know yet), and derive the target from the proven heights only, so one
 * peer, or a minority, claiming a huge height can neither stall nor mislead the sync.
 */
export class Discovery {
  // (height, hash) pairs already proven, so peers agreeing on one are not re-verified.
  private readonly proven = new Map<number, Hash>();

  constructor(private readonly parts: DiscoveryParts) {}

  async run(explicitTarget: SyncTarget | undefined, signal: AbortSignal): Promise<DiscoveryResult> {
    const { network, peers } = this.parts;
    await this.waitForPeers(signal);
    const candidates = network.connectedPeers().filter((p) => !peers.isBanned(p));
    for (const p of candidates) peers.addPeer(p);
    const proven = await this.probeAll(candidates, signal);
    throwIfAborted(signal);
    const estimate = peers.networkHeight();
    const height = explicitTarget?.height ?? estimate.height;
    if (height === undefined)
      return { target: undefined, peersAsked: candidates.length, peersProven: proven };
    const hash = explicitTarget?.hash ?? this.proven.get(height);
    return {
      target: hash ? { height, hash } : { height },
      peersAsked: candidates.length,
      peersProven: proven,
    };
  }

  /**
   * Probes every candidate; resolves when all are done, or `graceMs` after `enoughProven`
   * of them proved a height: one peer that answers status but withholds its proof must not
   * hold every sync start hostage. Late probes go on and feed the peer manager.
   */
  private probeAll(candidates: readonly PeerId[], signal: AbortSignal): Promise<number> {
    let proven = 0;
    let settled = 0;
    return new Promise<number>((resolve, reject) => {
      let grace: { cancel(): void } | undefined;
      const finish = () => {
        grace?.cancel();
        resolve(proven);
      };
      if (candidates.length === 0) finish();
      for (const peer of candidates) {
        this.probe(peer, signal)
          .then((ok) => {
            if (ok) proven++;
          })
          .catch((err: unknown) => {
            // Two certified statements that conflict: no target can be trusted, stop here.
            if (err instanceof SafetyViolationError) {
              grace?.cancel();
              reject(err);
              return;
            }
            this.parts.logger.warn({ peer, err }, 'probe failed');
          })
          .finally(() => {
            settled++;
            if (settled === candidates.length) finish();
            else if (proven >= this.parts.enoughProven && !grace) {
              grace = this.parts.clock.setTimeout(finish, this.parts.graceMs);
            }
          });
      }
    });
  }

  /**
   * Adds a peer that connected while a sync runs and proves its height in the background.
   * A safety violation found on the way goes to `onViolation` (the sync must stop).
   */
  probeLate(peer: PeerId, signal: AbortSignal, onViolation: (err: SafetyViolationError) => void): void {
    if (this.parts.peers.isBanned(peer)) return;
    this.parts.peers.addPeer(peer);
    this.probe(peer, signal).catch((err: unknown) => {
      if (err instanceof SafetyViolationError) onViolation(err);
      else this.parts.logger.warn({ peer, err }, 'late probe failed');
    });
  }

  /** Resolves once a usable peer is connected, or after `peerWaitMs` (the caller then finds none). */
  private waitForPeers(signal: AbortSignal): Promise<void> {
    const { network, peers, clock } = this.parts;
    const usable = () => network.connectedPeers().some((p) => !peers.isBanned(p));
    if (usable()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        timer.cancel();
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new AbortedError(signal.reason));
      };
      const timer = clock.setTimeout(() => {
        done();
        resolve();
      }, this.parts.peerWaitMs);
      const unsubscribe = network.onPeerEvent((event) => {
        if (event.type === 'connected' && usable()) {
          done();
          resolve();
        }
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Status, then proof of the claimed height. Resolves true when the peer's height is
   * proven. Rejects with SafetyViolationError when its proof conflicts with one verified
   * before (the peer may well be honest: the validators equivocated, so nobody is blamed).
   */
  private async probe(peer: PeerId, signal: AbortSignal): Promise<boolean> {
    const { network, peers } = this.parts;
    let status: PeerStatus;
    try {
      status = await network.status(peer, signal);
    } catch (err) {
      this.reportRequestError(peer, err);
      return false;
    }
    peers.updateStatus(peer, status);
    const local = this.parts.store.tip();
    if (local && status.height <= local.height) return false; // nothing to prove that we need
    const known = this.proven.get(status.height);
    // Another block at a height already proven committed is a lie or a safety violation:
    // only its proof tells which, so it is verified like any other (the verifier's safety
    // monitor holds the first proof).
    if (known && bytesEqual(known, status.blockHash)) {
      peers.updateStatus(peer, status, status.height);
      return true;
    }
    try {
      await this.proveHeight(peer, status, signal);
      peers.updateStatus(peer, status, status.height);
      return true;
    } catch (err) {
      if (err instanceof PeerMisbehaved) {
        const f = err.failure;
        if (f.evidence) throw new SafetyViolationError(f.message, f.evidence);
        peers.recordOutcome(peer, {
          kind: 'invalid-data',
          check: f.check,
          ...(f.height !== undefined && { height: f.height }),
        });
        this.parts.logger.warn(
          { peer, check: f.check, reason: f.message },
          'peer failed to prove its height',
        );
        return false;
      }
      this.reportRequestError(peer, err);
      return false;
    }
  }

  private async proveHeight(peer: PeerId, status: PeerStatus, signal: AbortSignal): Promise<void> {
    const { network, verifier } = this.parts;
    const proof = await network.commitProof(peer, status.height, signal);
    const hash = headerHash(proof.header);
    if (proof.header.height !== status.height || !bytesEqual(hash, status.blockHash)) {
      throw new PeerMisbehaved({
        check: 'commit.target',
        message: `proof for ${proof.header.height}/${toHex(hash).slice(0, 12)} does not match the claimed ${status.height}`,
        height: status.height,
        peer,
      });
    }
    const epoch = proof.header.epoch;
    await this.ensureEpochKnown(epoch, peer, signal);
    const set = this.setOf(epoch)!;
    const verified = await verifier.verifyCommitProof(proof, set, peer, this.setOf(epoch + 1));
    if (!verified.ok) throw new PeerMisbehaved(verified.failure);
    this.proven.set(status.height, hash);
  }

  /**
   * Learns the validator sets up to `epoch` from verified epoch changes: the commit proof
   * of each epoch's last block, checked with the set we already know, and that block's
   * body, whose next set must hash to what the committed header says (Aptos' epoch-change
   * proofs, Substrate's warp proofs). A set is never taken on a peer's word.
   */
  async ensureEpochKnown(epoch: number, peer: PeerId, signal: AbortSignal): Promise<void> {
    for (let known = this.highestKnownEpoch(); known < epoch; known++) {
      throwIfAborted(signal);
      const next = await this.epochChangeFrom(peer, known, signal);
      this.parts.learnedSets.set(next.epoch, next);
    }
  }

  /**
   * The set after epoch `known`, from `peer`'s epoch change; when `peer` cannot supply it
   * (a pruned node keeps no epoch changes below its history; a request fails), from the
   * other connected peers in turn (at most `EPOCH_HELPERS`). An epoch change is verified
   * with the set already known, so a helper cannot make us take a wrong set; one whose
   * change does not verify is blamed itself. Fails with `peer`'s own error when nobody
   * supplies a verified change.
   */
  private async epochChangeFrom(peer: PeerId, known: number, signal: AbortSignal): Promise<ValidatorSet> {
    try {
      return await this.verifiedEpochChange(peer, known, signal);
    } catch (err) {
      if (!(err instanceof RequestError) || signal.aborted) throw err;
      const { network, peers } = this.parts;
      const helpers = network
        .connectedPeers()
        .filter((p) => p !== peer && !peers.isBanned(p))
        .slice(0, EPOCH_HELPERS);
      for (const helper of helpers) {
        throwIfAborted(signal);
        try {
          const next = await this.verifiedEpochChange(helper, known, signal);
          this.parts.logger.debug(
            { peer, helper, epoch: known },
            'epoch change the peer could not supply taken from another peer',
          );
          return next;
        } catch (helperErr) {
          if (helperErr instanceof PeerMisbehaved) {
            const f = helperErr.failure;
            if (f.evidence) throw new SafetyViolationError(f.message, f.evidence);
            peers.recordOutcome(helper, {
              kind: 'invalid-data',
              check: f.check,
              ...(f.height !== undefined && { height: f.height }),
            });
          } else if (helperErr instanceof RequestError) {
            if (signal.aborted) throw helperErr;
            this.reportRequestError(helper, helperErr);
          } else {
            throw helperErr;
          }
        }
      }
      throw err;
    }
  }

  /** `peer`'s epoch change for epoch `known`, verified with that epoch's set: the next set. */
  private async verifiedEpochChange(peer: PeerId, known: number, signal: AbortSignal): Promise<ValidatorSet> {
    const set = this.setOf(known)!;
    const change = await this.parts.network.epochChangeProof(peer, known, signal);
    const fail = (check: VerificationFailure['check'], message: string): never => {
      throw new PeerMisbehaved({ check, message, height: change.proof.header.height, peer });
    };
    let block: Block;
    try {
      block = this.parts.chain.decode(change.block);
    } catch (err) {
      if (err instanceof HotsyncError) fail('structure.decode', `epoch-change block: ${err.message}`);
      throw err;
    }
    const hash = this.parts.chain.hash(block);
    if (!bytesEqual(hash, headerHash(change.proof.header)))
      fail('commit.target', 'epoch-change block is not the proven one');
    if (block.header.epoch !== known)
      fail('epoch.boundary', `epoch-change block is in epoch ${block.header.epoch}, not ${known}`);
    const next = block.nextValidatorSet;
    if (!next) return fail('epoch.boundary', `block ${block.header.height} does not end epoch ${known}`);
    const verified = await this.parts.verifier.verifyCommitProof(change.proof, set, peer, next);
    if (!verified.ok) throw new PeerMisbehaved(verified.failure);
    if (next.epoch !== known + 1) fail('epoch.next-set', `next set is for epoch ${next.epoch}`);
    return next;
  }

  /**
   * `ensureEpochKnown` for strategies: a peer whose epoch changes do not verify is blamed
   * before the error is passed on; a conflict with a verified statement is a
   * SafetyViolationError (nobody is blamed).
   */
  async learnEpochs(epoch: number, peer: PeerId, signal: AbortSignal): Promise<void> {
    try {
      await this.ensureEpochKnown(epoch, peer, signal);
    } catch (err) {
      if (err instanceof VerificationFailureError) {
        const f = err.failure;
        if (f.evidence) throw new SafetyViolationError(f.message, f.evidence);
        this.parts.peers.recordOutcome(peer, {
          kind: 'invalid-data',
          check: f.check,
          ...(f.height !== undefined && { height: f.height }),
        });
      }
      throw err;
    }
  }

  private highestKnownEpoch(): number {
    let epoch = this.parts.store.tip()?.validatorSet.epoch ?? 0;
    while (this.setOf(epoch + 1)) epoch++;
    return epoch;
  }

  private setOf(epoch: number): ValidatorSet | undefined {
    return this.parts.store.validatorSet(epoch) ?? this.parts.learnedSets.get(epoch);
  }

  private reportRequestError(peer: PeerId, err: unknown): void {
    if (err instanceof RequestError) {
      this.parts.peers.recordOutcome(peer, {
        kind: 'failure',
        failure: err.kind,
        ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
      });
      return;
    }
    throw err;
  }
}
