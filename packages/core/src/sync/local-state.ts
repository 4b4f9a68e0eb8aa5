import type { ChainSpec } from '../chain/chain-spec.js';
import type { Block, TrustAnchor } from '../chain/types.js';
import { bytesEqual, toHex } from '../encoding/bytes.js';
import { HotsyncError, SyncError, throwIfAborted } from '../errors.js';
import type { ChainStore } from '../interfaces/chain-store.js';
import type { Logger } from '../interfaces/logger.js';
import type { SyncNetwork } from '../interfaces/network.js';
import type { StateMachine } from '../interfaces/state-machine.js';
import type { TrustedPoint } from '../interfaces/verifier.js';

export interface LocalStateParts {
  readonly anchor: TrustAnchor;
  /** The anchor block's encoding, when the node has it (genesis usually); else fetched from peers. */
  readonly anchorBlock: Uint8Array | undefined;
  readonly chain: ChainSpec<Block>;
  readonly store: ChainStore;
  readonly stateMachine: StateMachine;
  readonly network: SyncNetwork;
  readonly logger: Logger;
}

/**
 * Brings the local store and state machine to a consistent starting point:
 * - an empty store starts at the trust anchor (its block checked against the anchor hash);
 * - a state machine that ran ahead of the store (a crash between the two commits) is rolled
 *   back; one behind it replays the stored, already verified blocks: nothing verified is
 *   downloaded again.
 * Returns false when the state cannot reach the store's base (a waypoint or snapshot base
 * without its state): only a snapshot can bring it there.
 */
export async function prepareLocalState(parts: LocalStateParts, signal: AbortSignal): Promise<boolean> {
  const { store, stateMachine } = parts;
  if (!store.tip()) await initializeFromAnchor(parts, signal);
  const tip = store.tip()!;
  const stateHeight = stateMachine.height();
  if (stateHeight > tip.height) {
    parts.logger.info({ stateHeight, tip: tip.height }, 'state ran ahead of the store: rolling back');
    await stateMachine.rollbackTo(tip.height);
  } else if (stateHeight < tip.height) {
    const base = store.base() ?? tip.height;
    if (stateHeight < base) return false;
    await replayStoredBlocks(parts, stateHeight + 1, tip, signal);
  }
  if (!bytesEqual(stateMachine.root(), tip.stateRoot)) {
    throw new SyncError(
      'sync.state-mismatch',
      `state root ${toHex(stateMachine.root()).slice(0, 16)} at height ${stateMachine.height()} is not the tip's ${toHex(tip.stateRoot).slice(0, 16)}`,
    );
  }
  return true;
}

async function initializeFromAnchor(parts: LocalStateParts, signal: AbortSignal): Promise<void> {
  const { anchor, chain } = parts;
  const bytes = parts.anchorBlock ?? (await fetchAnchorBlock(parts, signal));
  let block: Block;
  try {
    block = chain.decode(bytes);
  } catch (err) {
    throw new SyncError('sync.anchor', `the anchor block does not decode: ${(err as Error).message}`);
  }
  const hash = chain.hash(block);
  if (!bytesEqual(hash, anchor.blockHash) || chain.height(block) !== anchor.height) {
    throw new SyncError('sync.anchor', `the anchor block ${toHex(hash).slice(0, 16)} is not the trusted one`);
  }
  const epochChange = chain.epochChange(block);
  const tip: TrustedPoint = {
    height: anchor.height,
    hash,
    view: chain.view(block),
    epoch: chain.epoch(block),
    timestampMs: chain.timestampMs(block),
    stateRoot: chain.stateRoot(block),
    validatorSet: epochChange?.nextValidatorSet ?? anchor.validatorSet,
  };
  await parts.store.initialize(tip, { height: anchor.height, hash, bytes });
  parts.logger.info({ height: anchor.height }, 'store initialized at the trust anchor');
}

/** Any peer's copy will do: the hash decides. */
async function fetchAnchorBlock(parts: LocalStateParts, signal: AbortSignal): Promise<Uint8Array> {
  for (const peer of parts.network.connectedPeers()) {
    throwIfAborted(signal);
    try {
      const [bytes] = await parts.network.blocksByRange(
        peer,
        { startHeight: parts.anchor.height, count: 1 },
        signal,
      );
      if (bytes && bytesEqual(hashOf(parts.chain, bytes), parts.anchor.blockHash)) return bytes;
    } catch (err) {
      if (!(err instanceof HotsyncError)) throw err;
    }
  }
  throw new SyncError('sync.no-peers', 'no connected peer served the anchor block');
}

function hashOf(chain: ChainSpec<Block>, bytes: Uint8Array): Uint8Array {
  try {
    return chain.hash(chain.decode(bytes));
  } catch {
    return new Uint8Array(0);
  }
}

const REPLAY_CHUNK = 500;

async function replayStoredBlocks(
  parts: LocalStateParts,
  from: number,
  tip: TrustedPoint,
  signal: AbortSignal,
): Promise<void> {
  parts.logger.info({ from, to: tip.height }, 'replaying stored blocks into the state machine');
  for (let start = from; start <= tip.height; start += REPLAY_CHUNK) {
    throwIfAborted(signal);
    const end = Math.min(tip.height, start + REPLAY_CHUNK - 1);
    const blocks = [...parts.store.iterateBlocks(start, end)].map((stored) => {
      const block = parts.chain.decode(stored.bytes);
      return { height: stored.height, transactions: parts.chain.transactions(block) };
    });
    await parts.stateMachine.applyBlocks(blocks, 'last');
  }
  // Only committed blocks lose their undo data: blocks above the newest commit proof may still be rolled back on a fork.
  const committed = Math.max(parts.store.base() ?? 0, parts.store.latestCommitProofHeight() ?? 0);
  await parts.stateMachine.prune(Math.min(tip.height, committed));
}
