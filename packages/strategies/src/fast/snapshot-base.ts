import {
  type Block,
  bytesEqual,
  headerHash,
  type PeerId,
  RequestError,
  type StoredBlock,
  type SyncContext,
  type TrustedPoint,
  throwIfAborted,
  validatorSetHash,
} from '@hotsync/core';
import type { ProvenSnapshot } from './snapshot-finder.js';

/** The snapshot's block, checked against the committed header, as the store's new base and tip. */
export interface SnapshotBase {
  readonly tip: TrustedPoint;
  readonly block: StoredBlock;
}

/**
 * Fetches the block at the snapshot's height from one of its servers (then any peer) and
 * checks it is the committed one: its recomputed hash must be the proven header's, and an
 * epoch change it carries must hash to what the header commits to. Its validator set for
 * the next block is the next epoch's when it ends one, else its epoch's (learned from
 * verified epoch changes while proving the snapshot).
 */
export async function fetchSnapshotBase(
  ctx: SyncContext,
  snapshot: ProvenSnapshot,
  signal: AbortSignal,
): Promise<SnapshotBase | undefined> {
  const height = snapshot.header.height;
  const expected = headerHash(snapshot.header);
  const others = ctx.peers.selectPeers({ minHeight: height, fromHeight: height, count: 4 });
  const candidates = [...new Set<PeerId>([...snapshot.servers, ...others])];
  for (const peer of candidates) {
    throwIfAborted(signal);
    if (ctx.peers.isBanned(peer) || !ctx.peers.acquire(peer)) continue;
    let bytes: Uint8Array | undefined;
    try {
      [bytes] = await ctx.network.blocksByRange(peer, { startHeight: height, count: 1 }, signal);
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      ctx.report(peer, { kind: 'failure', failure: err.kind });
      continue;
    } finally {
      ctx.peers.release(peer);
    }
    if (!bytes) continue;
    const base = checkBlock(ctx, bytes, expected);
    if (base.ok) return { tip: base.tip, block: { height, hash: expected, bytes } };
    ctx.report(peer, { kind: 'invalid-data', check: base.check, height });
  }
  return undefined;
}

function checkBlock(
  ctx: SyncContext,
  bytes: Uint8Array,
  expected: Uint8Array,
): { ok: true; tip: TrustedPoint } | { ok: false; check: string } {
  let block: Block;
  try {
    block = ctx.chain.decode(bytes);
  } catch {
    return { ok: false, check: 'structure.decode' };
  }
  if (!bytesEqual(ctx.chain.hash(block), expected)) return { ok: false, check: 'commit.target' };
  const change = ctx.chain.epochChange(block);
  if (
    change &&
    (!change.nextValidatorSet ||
      !bytesEqual(validatorSetHash(change.nextValidatorSet), change.nextValidatorSetHash))
  ) {
    return { ok: false, check: 'structure.next-validator-set' };
  }
  const epoch = ctx.chain.epoch(block);
  const validatorSet = change?.nextValidatorSet ?? ctx.validatorSet(epoch);
  if (!validatorSet) return { ok: false, check: 'epoch.boundary' };
  return {
    ok: true,
    tip: {
      height: ctx.chain.height(block),
      hash: expected,
      view: ctx.chain.view(block),
      epoch,
      timestampMs: ctx.chain.timestampMs(block),
      stateRoot: ctx.chain.stateRoot(block),
      validatorSet,
    },
  };
}
