import {
  type BlockHeader,
  type ChainStore,
  type CommitProof,
  decodeBlock,
  deriveSigningKey,
  encodeBlock,
  headerHash,
  makeValidatorSet,
  type QuorumCertificate,
  type SigningKey,
  signQc,
  type ValidatorSet,
} from '@hotsync/core';
import { rehashedStore } from '../chain/rehash.js';
import { copyPrefix, trustedPointOf } from '../chain/store-copy.js';
import { SimnetError } from '../errors.js';
import { type Behaviour, type BehaviourContext, deriveOnce } from './behaviour.js';

function startHeight(context: BehaviourContext, fromHeight: number | undefined): number {
  const tip = context.store.tip();
  const base = context.store.base() ?? 0;
  const from = fromHeight ?? base + 1;
  if (!tip || from <= base || from > tip.height) {
    throw new SimnetError(
      'simnet.invalid-option',
      `cannot alter the chain from height ${from} (store holds ${base}..${tip?.height})`,
    );
  }
  return from;
}

/**
 * Serves a consistently re-hashed chain from `fromHeight` (default: the first block after
 * the base) whose QCs carry stale signatures: each QC votes for the re-hashed block but
 * keeps the signatures of the original vote. Hash links, justify hashes, heights, views,
 * payloads, state roots and bitmaps are all right, so structure and consensus-rule checks
 * pass and only the signature check (`qc.signature`) catches it. The first re-hashed block
 * differs from the original by a timestamp 1 ms later, which no check forbids.
 */
export function invalidSignatures(options: { readonly fromHeight?: number } = {}): Behaviour {
  return {
    name: 'invalid-signatures',
    source: (context) => {
      const from = startHeight(context, options.fromHeight);
      return deriveOnce(context, `invalid-signatures@${from}`, () =>
        rehashedStore(context.store, {
          fromHeight: from,
          certify: (original, hash) => ({ ...original, vote: { ...original.vote, blockHash: hash } }),
          header: (h) => (h.height === from ? { ...h, timestampMs: h.timestampMs + 1 } : h),
        }),
      );
    },
  };
}

export interface ForgedChainOptions {
  readonly fromHeight?: number;
  /** Seed of the forger's keys (default `'forger'`): `deriveSigningKey(keySeed, i)`. */
  readonly keySeed?: string;
}

/**
 * Serves a well-formed chain from `fromHeight` on whose QCs are signed by keys that are not
 * validators: every QC is signed by all of the forger's keys (as many as the epoch's
 * validators, so the bitmap has the right shape and full "quorum"), and epoch-ending blocks
 * hand over to the forger's set. Under the forger's own validator set it verifies
 * completely; against the real validators only the signature check (`qc.signature`) stops it.
 */
export function forgedChain(options: ForgedChainOptions = {}): Behaviour {
  const keySeed = options.keySeed ?? 'forger';
  return {
    name: 'forged-chain',
    source: (context) => {
      const from = startHeight(context, options.fromHeight);
      return deriveOnce(context, `forged-chain@${from}/${keySeed}`, () => {
        const forger = forgerSets(context.store, keySeed);
        return rehashedStore(context.store, {
          fromHeight: from,
          certify: (original, hash) =>
            signQc(
              { ...original.vote, blockHash: hash },
              forger.set(original.vote.epoch),
              forger.keys,
              context.chainId,
            ),
          nextValidatorSet: (original) => forger.set(original.epoch),
        });
      });
    },
  };
}

/** The forger's keys and its validator set for any epoch (as many keys as the real sets have validators). */
export function forgerSets(
  store: ChainStore,
  keySeed = 'forger',
): { readonly keys: SigningKey[]; set(epoch: number): ValidatorSet } {
  const n = store.validatorSet(0)?.validators.length;
  if (!n) throw new SimnetError('simnet.invalid-option', 'the store has no validator set for epoch 0');
  const keys = Array.from({ length: n }, (_, i) => deriveSigningKey(keySeed, i));
  const sets = new Map<number, ValidatorSet>();
  return {
    keys,
    set(epoch) {
      let set = sets.get(epoch);
      if (!set) {
        set = makeValidatorSet(
          epoch,
          keys.map((k) => ({ publicKey: k.publicKey, votingPower: 1n })),
        );
        sets.set(epoch, set);
      }
      return set;
    },
  };
}

/**
 * Serves the generator's certified-but-uncommitted fork block `index` in place of the main
 * block at its height, as its tip, with a bogus commit proof: a two-chain proof whose parts
 * are all genuinely signed (the fork's own QC, the main chain's next block and its QC) but
 * whose child does not extend the fork block. Everything but the commit check passes:
 * `commit.proof` catches it (a double certificate with a relabelled prepare QC, caught by
 * `qc.signature`, when the main chain has no block two above the fork).
 */
export function uncommittedFork(options: { readonly index?: number } = {}): Behaviour {
  const index = options.index ?? 0;
  return {
    name: `uncommitted-fork(${index})`,
    source: (context) => {
      const fork = context.chain?.generated.forks[index];
      if (!fork) throw new SimnetError('simnet.invalid-option', `the chain has no fork #${index}`);
      return deriveOnce(context, `uncommitted-fork#${index}`, async () => {
        const height = fork.block.header.height;
        const store = await copyPrefix(context.store, height - 1);
        const hash = headerHash(fork.block.header);
        const proof = bogusProof(context.store, fork.block.header, fork.qc);
        const set = context.store.validatorSet(fork.block.header.epoch)!;
        await store.commitBatch({
          blocks: [{ height, hash, bytes: encodeBlock(fork.block) }],
          tip: trustedPointOf(fork.block, hash, () => set),
          commitProof: proof,
        });
        return store;
      });
    },
  };
}

function bogusProof(main: ChainStore, forkHeader: BlockHeader, forkQc: QuorumCertificate): CommitProof {
  const h = forkHeader.height;
  const childBytes = main.blockBytes(h + 1);
  const grandchildBytes = main.blockBytes(h + 2);
  if (childBytes && grandchildBytes) {
    // The main chain's block h+1 and its QC: valid, but h+1 extends the main block h, not the fork.
    return {
      kind: 'two-chain',
      header: forkHeader,
      qc: forkQc,
      child: decodeBlock(childBytes).header,
      childQc: decodeBlock(grandchildBytes).justify,
    };
  }
  return {
    kind: 'double-cert',
    header: forkHeader,
    qc: forkQc,
    commitQc: { ...forkQc, vote: { ...forkQc.vote, phase: 'commit' } },
  };
}
