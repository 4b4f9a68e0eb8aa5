import { SimChain } from '@hotsync/simnet';

/**
 * The chains the sweep draws from. Generating a chain costs real seconds, so scenarios pick
 * one of a fixed menu (sizes 200 to 5,000 blocks, one to several epochs, with and without
 * forks and snapshots) and each is generated once per process (`SimChain.shared`).
 */
export interface ChainVariant {
  readonly name: string;
  readonly blocks: number;
  /** Blocks per epoch; 0 keeps one epoch. */
  readonly epochLength: number;
  readonly validators: number;
  readonly transactionsPerBlock: number;
  readonly forkHeights: readonly number[];
  readonly snapshotHeights: readonly number[];
}

// The small chains come several times: most seeds are quick, a few are long.
export const CHAIN_VARIANTS: readonly ChainVariant[] = [
  {
    name: 'c200',
    blocks: 200,
    epochLength: 0,
    validators: 4,
    transactionsPerBlock: 1,
    forkHeights: [],
    snapshotHeights: [],
  },
  {
    name: 'c350',
    blocks: 350,
    epochLength: 100,
    validators: 5,
    transactionsPerBlock: 2,
    forkHeights: [150],
    snapshotHeights: [],
  },
  {
    name: 'c600',
    blocks: 600,
    epochLength: 250,
    validators: 4,
    transactionsPerBlock: 1,
    forkHeights: [],
    snapshotHeights: [400],
  },
  {
    name: 'c900',
    blocks: 900,
    epochLength: 300,
    validators: 7,
    transactionsPerBlock: 1,
    forkHeights: [500],
    snapshotHeights: [700],
  },
  {
    name: 'c1200',
    blocks: 1_200,
    epochLength: 0,
    validators: 4,
    transactionsPerBlock: 1,
    forkHeights: [800],
    snapshotHeights: [],
  },
  {
    name: 'c2000',
    blocks: 2_000,
    epochLength: 700,
    validators: 4,
    transactionsPerBlock: 1,
    forkHeights: [600],
    snapshotHeights: [1_500],
  },
  {
    name: 'c3000',
    blocks: 3_000,
    epochLength: 1_000,
    validators: 4,
    transactionsPerBlock: 0,
    forkHeights: [],
    snapshotHeights: [2_000],
  },
  {
    name: 'c5000',
    blocks: 5_000,
    epochLength: 2_000,
    validators: 4,
    transactionsPerBlock: 0,
    forkHeights: [3_000],
    snapshotHeights: [4_000],
  },
];

/** Weights of the variants above (index by index): small chains most of the time. */
export const CHAIN_WEIGHTS: readonly number[] = [12, 12, 10, 8, 4, 2, 1, 1];

/** The variant's chain, generated once per process. */
export function chainFor(variant: ChainVariant): Promise<SimChain> {
  return SimChain.shared({
    seed: 1_000 + CHAIN_VARIANTS.findIndex((v) => v.name === variant.name),
    blocks: variant.blocks,
    epochLength: variant.epochLength,
    validators: variant.validators,
    transactionsPerBlock: variant.transactionsPerBlock,
    forkHeights: variant.forkHeights,
    snapshotHeights: variant.snapshotHeights,
    snapshotChunkBytes: 8 * 1024,
  });
}
