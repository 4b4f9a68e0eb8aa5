import {
  type BlockHeader,
  bytesEqual,
  type CommitProof,
  headerHash,
  type PeerId,
  RequestError,
  type SnapshotManifest,
  type SyncContext,
  type SyncTarget,
  toHex,
  VerificationFailureError,
} from '@hotsync/core';
import { throwOnViolation } from '../fork/conflict.js';

/** A snapshot whose height a verified commit proof backs, and the peers serving it. */
export interface ProvenSnapshot {
  readonly manifest: SnapshotManifest;
  /** The committed header at the snapshot's height (its stateRoot is the manifest's). */
  readonly header: BlockHeader;
  readonly proof: CommitProof;
  /** Peers whose newest snapshot is this one. */
  readonly servers: readonly PeerId[];
}

interface Candidate {
  readonly manifest: SnapshotManifest;
  readonly servers: PeerId[];
}

/**
 * Finds the newest snapshot worth importing (DESIGN §5): asks every usable peer that
 * advertises one above our tip (status `snapshotHeight`) for its manifest, groups equal
 * manifests, and from the newest down proves one: the commit proof of its height (epoch
 * changes learned first when it is signed by a set we do not know yet), verified against
 * the validator set, must name the manifest's block, and the manifest must match the
 * committed header (`verifySnapshotManifest`). Only then is its state root trusted. With
 * `target.snapshot`, only that snapshot qualifies. A peer whose manifest or proof does not
 * verify is blamed and its candidate skipped.
 */
export async function findProvenSnapshot(
  ctx: SyncContext,
  target: SyncTarget,
  signal: AbortSignal,
): Promise<ProvenSnapshot | undefined> {
  const local = ctx.trusted().height;
  const limit = target.snapshot?.height ?? target.height;
  const advertisers = ctx.peers
    .peers()
    .filter((p) => !p.banned && p.status?.snapshotHeight !== undefined)
    .filter((p) => p.status!.snapshotHeight! > local && p.status!.snapshotHeight! <= limit)
    .filter((p) => ctx.network.connectedPeers().includes(p.peer))
    .map((p) => p.peer);
  const candidates = new Map<string, Candidate>();
  await Promise.all(
    advertisers.map(async (peer) => {
      let manifest: SnapshotManifest;
      try {
        manifest = await ctx.network.snapshotManifest(peer, signal);
      } catch (err) {
        if (!(err instanceof RequestError)) throw err;
        ctx.report(peer, { kind: 'failure', failure: err.kind });
        return;
      }
      if (manifest.height <= local || manifest.height > limit) return;
      const wanted = target.snapshot;
      if (wanted && (manifest.height !== wanted.height || !bytesEqual(manifest.stateRoot, wanted.stateRoot)))
        return;
      const key = `${manifest.height}:${toHex(manifest.blockHash)}:${toHex(manifest.stateRoot)}:${manifest.format}:${manifest.chunkCount}:${manifest.totalBytes}`;
      const candidate = candidates.get(key) ?? { manifest, servers: [] };
      candidate.servers.push(peer);
      candidates.set(key, candidate);
    }),
  );
  const ordered = [...candidates.values()].sort(
    (a, b) => b.manifest.height - a.manifest.height || b.servers.length - a.servers.length,
  );
  for (const candidate of ordered) {
    for (const peer of candidate.servers) {
      const proven = await proveSnapshot(ctx, candidate.manifest, peer, signal);
      if (proven) return { ...proven, manifest: candidate.manifest, servers: candidate.servers };
    }
  }
  return undefined;
}

async function proveSnapshot(
  ctx: SyncContext,
  manifest: SnapshotManifest,
  peer: PeerId,
  signal: AbortSignal,
): Promise<{ header: BlockHeader; proof: CommitProof } | undefined> {
  const blame = (check: string) => {
    ctx.report(peer, { kind: 'invalid-data', check, height: manifest.height });
    return undefined;
  };
  let proof: CommitProof;
  try {
    proof = await ctx.network.commitProof(peer, manifest.height, signal);
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    ctx.report(peer, { kind: 'failure', failure: err.kind });
    return undefined;
  }
  if (proof.header.height !== manifest.height || !bytesEqual(headerHash(proof.header), manifest.blockHash)) {
    return blame('commit.target');
  }
  const epoch = proof.header.epoch;
  try {
    await ctx.learnEpochs(epoch, peer, signal);
  } catch (err) {
    // The peer is already blamed for epoch changes that do not verify; a failed request is reported here.
    if (err instanceof RequestError) ctx.report(peer, { kind: 'failure', failure: err.kind });
    else if (!(err instanceof VerificationFailureError)) throw err;
    return undefined;
  }
  const set = ctx.validatorSet(epoch);
  if (!set) return undefined;
  const verified = await ctx.verifier.verifyCommitProof(proof, set, peer, ctx.validatorSet(epoch + 1));
  throwOnViolation(verified);
  if (!verified.ok) return blame(verified.failure.check);
  const header = verified.value;
  const matches = ctx.verifier.verifySnapshotManifest(
    ctx.stateMachine,
    manifest,
    { height: header.height, hash: headerHash(header), stateRoot: header.stateRoot },
    peer,
  );
  if (!matches.ok) return blame(matches.failure.check);
  return { header, proof };
}
