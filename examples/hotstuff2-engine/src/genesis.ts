import {
  type Block,
  type BlockHeader,
  blockHash,
  encodeBlock,
  type Hash,
  HEADER_VERSION,
  type QuorumCertificate,
  qcHash,
  type StoredBlock,
  type TrustedPoint,
  transactionsRoot,
  type ValidatorSet,
  ZERO_HASH,
} from '@hotsync/core';

export interface GenesisOptions {
  readonly chainId: Uint8Array;
  readonly validatorSet: ValidatorSet;
  readonly timestampMs: number;
  /** State root of the empty state (default: the reference state machine's, all zeros). */
  readonly stateRoot?: Hash;
}

export interface Genesis {
  readonly block: Block;
  /** What `ChainStore.initialize` takes, with `stored`. */
  readonly point: TrustedPoint;
  readonly stored: StoredBlock;
}

/**
 * A genesis block (height 0, view 0) for a fresh chain. It carries an empty justify, as core's
 * generator's does; the engine certifies it at start: validators with no QC for their
 * committed tip send a vote for it to the first leader (a vote for a final block cannot
 * conflict with anything).
 */
export function createGenesis(options: GenesisOptions): Genesis {
  const n = options.validatorSet.validators.length;
  const justify: QuorumCertificate = {
    vote: { epoch: 0, view: 0, height: 0, blockHash: ZERO_HASH, phase: 'prepare' },
    validatorCount: n,
    signers: new Uint8Array((n + 7) >> 3),
    signatures: [],
  };
  const header: BlockHeader = {
    version: HEADER_VERSION,
    chainId: options.chainId,
    epoch: options.validatorSet.epoch,
    height: 0,
    view: 0,
    parentHash: ZERO_HASH,
    justifyHash: qcHash(justify),
    payloadHash: transactionsRoot([]),
    stateRoot: options.stateRoot ?? ZERO_HASH,
    nextValidatorSetHash: ZERO_HASH,
    proposer: 0,
    timestampMs: options.timestampMs,
  };
  const block: Block = { header, justify, payload: [] };
  const hash = blockHash(block);
  return {
    block,
    point: {
      height: 0,
      hash,
      view: 0,
      epoch: header.epoch,
      timestampMs: header.timestampMs,
      stateRoot: header.stateRoot,
      validatorSet: options.validatorSet,
    },
    stored: { height: 0, hash, bytes: encodeBlock(block) },
  };
}
