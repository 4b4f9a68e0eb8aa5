import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  type Block,
  bytesEqual,
  decodeBlock,
  encodeBlock,
  hasQuorum,
  headerHash,
  openLmdbChainStore,
  openLmdbStateMachine,
  type ValidatorSet,
  voteSignBytes,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';

export interface StackCheckReport {
  readonly blocks: number;
  readonly bytes: number;
  /** Validator sets checked (each epoch's, plus the next one the last epoch-ending block announced). */
  readonly validatorSets: number;
  readonly signaturesVerified: number;
  readonly generateMs: number;
  readonly checkMs: number;
  readonly stateRoot: string;
}

/** A failed check, with the height where it failed. */
export class StackCheckFailure extends Error {
  constructor(
    readonly height: number,
    what: string,
  ) {
    super(`stack check failed at height ${height}: ${what}`);
  }
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Generates a signed chain into LMDB (chain store and state machine), closes both, reopens
 * them and checks every block again: canonical encoding, hash links, QC signatures and
 * quorum against the right epoch's set, and the final state root.
 */
export async function runStackCheck(options: {
  dir: string;
  blocks: number;
  log?: (line: string) => void;
}): Promise<StackCheckReport> {
  const log = options.log ?? (() => {});
  const chainPath = `${options.dir}/chain`;
  const statePath = `${options.dir}/state`;

  const started = performance.now();
  const store = await openLmdbChainStore({ path: chainPath });
  const state = await openLmdbStateMachine({ path: statePath });
  const chain = await generateChain({
    seed: 2026,
    blocks: options.blocks,
    epochLength: 100,
    store,
    stateMachine: state,
  });
  await store.close();
  await state.close();
  const generateMs = performance.now() - started;
  log(
    `generated ${options.blocks} blocks (${chain.tip.epoch + 1} epochs, 4 validators each) into LMDB in ${generateMs.toFixed(0)} ms`,
  );

  const checkStart = performance.now();
  const reopened = await openLmdbChainStore({ path: chainPath });
  const reopenedState = await openLmdbStateMachine({ path: statePath });
  try {
    const sets = new Map<number, ValidatorSet>([[0, chain.anchor.validatorSet]]);
    const keys = new Map<string, KeyObject>();
    let previous: Block | undefined;
    let signatures = 0;
    let bytes = 0;
    for (const stored of reopened.iterateBlocks(0, options.blocks)) {
      const block = decodeBlock(stored.bytes);
      bytes += stored.bytes.length;
      if (!bytesEqual(encodeBlock(block), stored.bytes))
        throw new StackCheckFailure(stored.height, 'not canonical');
      if (!bytesEqual(headerHash(block.header), stored.hash))
        throw new StackCheckFailure(stored.height, 'hash');
      if (previous) {
        if (!bytesEqual(block.header.parentHash, headerHash(previous.header))) {
          throw new StackCheckFailure(stored.height, 'parent link');
        }
        const set = sets.get(block.justify.vote.epoch);
        if (!set) throw new StackCheckFailure(stored.height, 'unknown epoch');
        const message = voteSignBytes(chain.chainId, block.justify.vote);
        let next = 0;
        set.validators.forEach((v, i) => {
          if ((block.justify.signers[i >> 3]! & (1 << (i & 7))) === 0) return;
          const hex = Buffer.from(v.publicKey).toString('hex');
          let key = keys.get(hex);
          if (!key) {
            key = createPublicKey({
              key: Buffer.concat([SPKI_PREFIX, v.publicKey]),
              format: 'der',
              type: 'spki',
            });
            keys.set(hex, key);
          }
          if (!verify(null, message, key, block.justify.signatures[next++]!)) {
            throw new StackCheckFailure(stored.height, `signature of validator ${i}`);
          }
          signatures++;
        });
        if (!hasQuorum(set, block.justify.signers)) throw new StackCheckFailure(stored.height, 'quorum');
      }
      if (block.nextValidatorSet) sets.set(block.nextValidatorSet.epoch, block.nextValidatorSet);
      previous = block;
    }
    const tip = reopened.tip();
    if (!previous || !tip || tip.height !== options.blocks)
      throw new StackCheckFailure(tip?.height ?? 0, 'tip');
    if (!bytesEqual(reopenedState.root(), previous.header.stateRoot)) {
      throw new StackCheckFailure(tip.height, 'state root after reopening');
    }
    const checkMs = performance.now() - checkStart;
    const stateRoot = Buffer.from(reopenedState.root()).toString('hex');
    log(`reopened the store: ${options.blocks + 1} blocks decoded canonically, hash links intact`);
    log(`verified ${signatures} Ed25519 signatures; every QC reached quorum of its epoch's validator set`);
    log(`state root after reopening equals the tip header's: ${stateRoot.slice(0, 16)}…`);
    return {
      blocks: options.blocks,
      bytes,
      validatorSets: sets.size,
      signaturesVerified: signatures,
      generateMs,
      checkMs,
      stateRoot,
    };
  } finally {
    await reopened.close();
    await reopenedState.close();
  }
}
