import {
  bytesEqual,
  createMemoryStateMachine,
  encodeBlock,
  type Hash,
  MemoryChainStore,
  type MerkleKvStateMachine,
  type StoredBlock,
  type TrustedPoint,
  toHex,
} from '@hotsync/core';
import { type ChainGeneratorOptions, type GeneratedChain, generateChain } from '@hotsync/core/testing';
import { SimnetError } from '../errors.js';

export interface SimChainOptions
  extends Omit<ChainGeneratorOptions, 'store' | 'stateMachine' | 'onProgress'> {
  /** Depth of the state tree (default 10: small states build and replay fast). Every node uses the same. */
  readonly stateDepth?: number;
}

/**
 * A chain generated once (core's chain generator) and served read-only by every honest
 * node that holds it; behaviours derive their altered copies from it once, too. Syncing
 * nodes start from its genesis with an empty store and state of the same depth.
 */
export class SimChain {
  private readonly derived = new Map<string, Promise<unknown>>();

  private constructor(
    readonly generated: GeneratedChain,
    /** The honest chain. Shared: never write to it. */
    readonly store: MemoryChainStore,
    readonly stateDepth: number,
  ) {}

  static async generate(options: SimChainOptions): Promise<SimChain> {
    const store = new MemoryChainStore();
    const stateDepth = options.stateDepth ?? 10;
    const generated = await generateChain({
      ...options,
      store,
      stateMachine: createMemoryStateMachine({ depth: stateDepth }),
    });
    return new SimChain(generated, store, stateDepth);
  }

  /**
   * A chain generated elsewhere (a cache on disk, another process): `generated` describes
   * it and `store` holds it, from genesis to `generated.tip` (shared read-only from then
   * on). A store that does not hold that genesis and that tip is refused with
   * `simnet.invalid-option`, so a stale cache cannot pass for the chain it names.
   */
  static fromStore(generated: GeneratedChain, store: MemoryChainStore, stateDepth: number): SimChain {
    if (!Number.isSafeInteger(stateDepth) || stateDepth < 1) {
      throw new SimnetError(
        'simnet.invalid-option',
        `stateDepth must be a positive integer, got ${stateDepth}`,
      );
    }
    const genesis = store.iterateBlocks(0, 0)[Symbol.iterator]().next();
    if (genesis.done || !bytesEqual(genesis.value.hash, generated.anchor.blockHash)) {
      throw new SimnetError('simnet.invalid-option', "the store does not hold the generated chain's genesis");
    }
    const tip = store.tip();
    if (!tip || tip.height !== generated.tip.height || !bytesEqual(tip.hash, generated.tip.hash)) {
      throw new SimnetError(
        'simnet.invalid-option',
        `the store's tip (${tip?.height ?? 'none'}) is not the generated chain's tip (${generated.tip.height})`,
      );
    }
    return new SimChain(generated, store, stateDepth);
  }

  private static readonly cache = new Map<string, Promise<SimChain>>();

  /** `generate`, memoized per options within the process: tests and scenarios reuse one chain. */
  static shared(options: SimChainOptions): Promise<SimChain> {
    const key = JSON.stringify(options, (_, v) => (v instanceof Uint8Array ? toHex(v) : v));
    let chain = SimChain.cache.get(key);
    if (!chain) {
      chain = SimChain.generate(options);
      SimChain.cache.set(key, chain);
    }
    return chain;
  }

  get chainId(): Uint8Array {
    return this.generated.chainId;
  }

  /** The honest tip. */
  get tip(): TrustedPoint {
    return this.generated.tip;
  }

  /** Genesis as a trusted point: where a syncing node starts. */
  get genesisPoint(): TrustedPoint {
    const { header } = this.generated.genesis;
    return {
      height: 0,
      hash: this.generated.anchor.blockHash,
      view: header.view,
      epoch: header.epoch,
      timestampMs: header.timestampMs,
      stateRoot: header.stateRoot,
      validatorSet: this.generated.anchor.validatorSet,
    };
  }

  get genesisBlock(): StoredBlock {
    return { height: 0, hash: this.generated.anchor.blockHash, bytes: encodeBlock(this.generated.genesis) };
  }

  /** The honest block at `height`, encoded. */
  blockBytes(height: number): Uint8Array | undefined {
    return this.store.blockBytes(height);
  }

  /** The honest block hash at `height`. */
  blockHash(height: number): Hash | undefined {
    const block = this.store.iterateBlocks(height, height)[Symbol.iterator]().next();
    return block.done ? undefined : block.value.hash;
  }

  /** An empty state machine of the chain's depth. */
  createStateMachine(): MerkleKvStateMachine {
    return createMemoryStateMachine({ depth: this.stateDepth });
  }

  /** A new store holding only genesis, as a node that is about to sync. */
  async createSyncStore(): Promise<MemoryChainStore> {
    const store = new MemoryChainStore();
    await store.initialize(this.genesisPoint, this.genesisBlock);
    return store;
  }

  /** Something built from this chain once per key (behaviours' altered stores), shared by every user. */
  derive<T>(key: string, build: () => Promise<T>): Promise<T> {
    let value = this.derived.get(key);
    if (!value) {
      value = build();
      this.derived.set(key, value);
    }
    return value as Promise<T>;
  }
}
