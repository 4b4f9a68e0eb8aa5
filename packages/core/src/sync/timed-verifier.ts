import type { Block } from '../chain/types.js';
import type { BlockVerifier } from '../interfaces/verifier.js';
import type { Clock } from '../time/clock.js';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * `verifier` with the time of each range, commit proof and snapshot chunk verification
 * recorded in `hotsync_verification_seconds`. The manager hands this one to its session,
 * discovery and strategies, so every verification a sync makes is timed in one place.
 */
export function timedVerifier<B = Block>(
  verifier: BlockVerifier<B>,
  metrics: SyncMetrics,
  clock: Clock,
): BlockVerifier<B> {
  return {
    async verifyRange(request, signal) {
      const started = clock.now();
      const result = await verifier.verifyRange(request, signal);
      metrics.verified('range', result.ok, clock.now() - started);
      return result;
    },
    async verifyCommitProof(proof, validatorSet, peer, nextValidatorSet) {
      const started = clock.now();
      const result = await verifier.verifyCommitProof(proof, validatorSet, peer, nextValidatorSet);
      metrics.verified('commit_proof', result.ok, clock.now() - started);
      return result;
    },
    verifySnapshotChunk(stateMachine, manifest, chunk, peer) {
      const started = clock.now();
      const result = verifier.verifySnapshotChunk(stateMachine, manifest, chunk, peer);
      metrics.verified('snapshot_chunk', result.ok, clock.now() - started);
      return result;
    },
    checkCommitConflict: (proof, peer) => verifier.checkCommitConflict(proof, peer),
    verifySnapshotManifest: (stateMachine, manifest, committed, peer) =>
      verifier.verifySnapshotManifest(stateMachine, manifest, committed, peer),
    applyAndCheckState: (stateMachine, range, mode) => verifier.applyAndCheckState(stateMachine, range, mode),
    close: () => verifier.close(),
  };
}
