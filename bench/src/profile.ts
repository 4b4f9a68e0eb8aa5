/**
 * What a run measures, for `pnpm bench` (full) and `pnpm bench --quick`. Every size and
 * duration lives here, so the README's description of both runs has one source.
 */

/** Parameters of a generated chain; they are its cache key, so a change regenerates it. */
export interface ChainParams {
  /** What the chain is for (the cache directory's prefix). */
  readonly purpose: 'main' | 'snapshot' | 'memory';
  readonly seed: number;
  readonly blocks: number;
  readonly validators: number;
  readonly transactionsPerBlock: number;
  readonly valueBytes: number;
  readonly keySpace: number;
  /** Blocks per epoch (0: one epoch). */
  readonly epochLength: number;
  /** Blocks between the generator's stored commit proofs. */
  readonly batchSize: number;
  /** Depth of the reference state tree (part of the state root's definition). */
  readonly stateDepth: number;
  /** A snapshot is exported this many blocks below the tip (fast sync chains only). */
  readonly snapshotBelowTip?: number;
}

export interface BenchProfile {
  readonly quick: boolean;
  /** Serving processes (each one libp2p node on 127.0.0.1). */
  readonly servers: number;
  /** The chain every row syncs: 4 validators, 8 key-value transactions (~1 KiB) per block. */
  readonly main: ChainParams;
  /** A chain whose state at the snapshot height has about `snapshotKeys` keys. */
  readonly snapshot: ChainParams;
  readonly snapshotKeys: number;
  /** The long chain of the memory figure; undefined: the quick run reuses the parallel-anchored row. */
  readonly memory: ChainParams | undefined;
  readonly limits: {
    /** Seconds each Ed25519 rate is measured for (per repetition). */
    readonly verifySeconds: number;
    readonly repetitions: number;
    /** Megabytes each raw libp2p transfer measurement moves (the chain's blocks, repeated). */
    readonly transferMB: number;
    /** Blocks of the main chain written, decoded and applied by the limit probes. */
    readonly lmdbBlocks: number;
    readonly decodeBlocks: number;
    readonly stateBlocks: number;
    /** Blocks per applyBlocks call in the per-range-root state probe. */
    readonly stateRangeBlocks: number;
  };
  readonly rows: {
    /** How often the syncing process samples its tip height (for the chart). */
    readonly sampleMs: number;
    /** Longest a sync may take before its process is killed. */
    readonly timeoutMs: number;
  };
  readonly tipFollow: {
    /**
     * The producer serves the main chain up to the last stored commit proof at or below this
     * height before it starts appending.
     */
    readonly startHeight: number;
    /** Blocks it appends, one every `intervalMs`. */
    readonly blocks: number;
    readonly intervalMs: number;
    /** The follower asks its peer's status this often (how it learns of a new block). */
    readonly statusIntervalMs: number;
  };
  readonly wan: {
    /** Blocks of the main chain the simulated peers serve (cut at a stored commit proof). */
    readonly blocks: number;
    readonly peers: number;
    readonly rttMs: number;
    readonly bandwidthBytesPerSec: number;
  };
}

/** Each snapshot-chain transaction adds about 0.65 keys to the state (puts minus deletes). */
const NEW_KEYS_PER_TX = 0.65;

/**
 * A chain whose state at the snapshot height has about `keys` keys, built by
 * `transactionsPerBlock` transactions per block. The blocks after the snapshot are synced
 * (executed) after the import, so fewer transactions per block make that tail cheaper.
 */
function snapshotChain(keys: number, seed: number, transactionsPerBlock: number): ChainParams {
  const below = 8;
  return {
    purpose: 'snapshot',
    seed,
    blocks: Math.ceil(keys / (transactionsPerBlock * NEW_KEYS_PER_TX)) + below,
    validators: 4,
    transactionsPerBlock,
    valueBytes: 100,
    // Keys drawn from 2^30 almost never repeat: the state grows by every put.
    keySpace: 2 ** 30,
    epochLength: 0,
    batchSize: 64,
    // About 4 keys per bucket at 1M keys (the tree's own advice: raise the depth for big states).
    stateDepth: 18,
    snapshotBelowTip: below,
  };
}

function mainChain(blocks: number): ChainParams {
  return {
    purpose: 'main',
    seed: 1,
    blocks,
    validators: 4,
    transactionsPerBlock: 8,
    valueBytes: 100,
    keySpace: 5_000,
    epochLength: blocks / 5,
    batchSize: 256,
    stateDepth: 16,
  };
}

export const FULL_PROFILE: BenchProfile = {
  quick: false,
  servers: 4,
  main: mainChain(50_000),
  snapshot: snapshotChain(1_000_000, 2, 2_000),
  snapshotKeys: 1_000_000,
  memory: {
    purpose: 'memory',
    seed: 3,
    blocks: 1_000_000,
    validators: 4,
    // Empty payloads: the figure is about what the sync holds, and 1M blocks of 1 KiB would
    // take most of an hour to generate on 2 cores.
    transactionsPerBlock: 0,
    valueBytes: 100,
    keySpace: 5_000,
    epochLength: 0,
    batchSize: 512,
    stateDepth: 16,
  },
  limits: {
    verifySeconds: 1.5,
    repetitions: 3,
    transferMB: 256,
    lmdbBlocks: 50_000,
    decodeBlocks: 20_000,
    stateBlocks: 10_000,
    stateRangeBlocks: 256,
  },
  // The per-block baseline needs several minutes for 50,000 blocks on 2 cores.
  rows: { sampleMs: 250, timeoutMs: 20 * 60_000 },
  tipFollow: { startHeight: 256, blocks: 400, intervalMs: 50, statusIntervalMs: 50 },
  // The whole main chain: at the link bound it is well under a second, so shorter chains are
  // mostly discovery and ramp-up.
  wan: { blocks: 50_000, peers: 8, rttMs: 50, bandwidthBytesPerSec: 20_000_000 },
};

export const QUICK_PROFILE: BenchProfile = {
  quick: true,
  servers: 4,
  main: mainChain(600),
  snapshot: snapshotChain(10_000, 2, 400),
  snapshotKeys: 10_000,
  memory: undefined,
  limits: {
    verifySeconds: 0.3,
    repetitions: 1,
    transferMB: 16,
    lmdbBlocks: 600,
    decodeBlocks: 600,
    stateBlocks: 600,
    stateRangeBlocks: 256,
  },
  rows: { sampleMs: 100, timeoutMs: 90_000 },
  tipFollow: { startHeight: 256, blocks: 40, intervalMs: 50, statusIntervalMs: 50 },
  wan: { blocks: 600, peers: 8, rttMs: 50, bandwidthBytesPerSec: 20_000_000 },
};
