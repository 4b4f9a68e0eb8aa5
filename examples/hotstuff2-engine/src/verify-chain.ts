import {
  type Block,
  type ChainStore,
  type Clock,
  decodeBlock,
  type StateMachine,
  type TrustedPoint,
} from '@hotsync/core';
import { createVerifier } from '@hotsync/validation';

/** Blocks a store holds in [from, to]. */
export function storedBlocks(store: ChainStore, from: number, to = store.tip()!.height): Block[] {
  return [...store.iterateBlocks(from, to)].map((b) => decodeBlock(b.bytes));
}

/**
 * What a syncing node would do with `store`'s blocks after `trusted`: @hotsync/validation's
 * verifier in full mode (every QC's signatures, the tip's commit proof) and a replay of every
 * state root on `stateMachine` (which must be at `trusted`). Returns what was checked, or why it failed.
 */
export async function verifyCommittedChain(
  store: ChainStore,
  trusted: TrustedPoint,
  chainId: Uint8Array,
  clock: Clock,
  stateMachine: StateMachine,
): Promise<{ readonly blocks: number; readonly signatures: number } | string> {
  const verifier = createVerifier({ chainId, clock, workers: 0 });
  try {
    const tip = store.tip()!;
    const proof = store.commitProof(tip.height);
    if (!proof) return `no commit proof stored for the tip ${tip.height}`;
    const blocks = [...store.iterateBlocks(trusted.height + 1, tip.height)].map((b) => ({
      bytes: b.bytes,
      peer: 'engine',
    }));
    const range = await verifier.verifyRange({
      trusted,
      blocks,
      commitProof: { proof, peer: 'engine' },
      mode: 'full',
    });
    if (!range.ok) return `${range.failure.check} at ${range.failure.height}: ${range.failure.message}`;
    const state = await verifier.applyAndCheckState(stateMachine, range.value, 'full');
    if (!state.ok) return `${state.failure.check} at ${state.failure.height}: ${state.failure.message}`;
    return { blocks: blocks.length, signatures: range.value.signaturesChecked };
  } finally {
    await verifier.close();
  }
}
