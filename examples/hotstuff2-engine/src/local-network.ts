import { MemorySafetyStore, type SafetyStore, VoteGuard } from '@hotsync/consensus-adapter';
import {
  type ChainStore,
  type Clock,
  createMemoryStateMachine,
  flushMicrotasks,
  InvalidArgumentError,
  ManualClock,
  MemoryChainStore,
  type MerkleKvStateMachine,
  SeededRandom,
  type SigningKey,
} from '@hotsync/core';
import { type GeneratedChain, generateChain } from '@hotsync/core/testing';
import { HotStuff2Engine } from './engine.js';
import type { HotStuff2EngineOptions } from './engine-options.js';
import { MemoryHub, type MemoryTransport } from './memory-transport.js';
import type { PacemakerTiming } from './pacemaker.js';
import type { PendingBlockStore } from './pending-store.js';
import { type NodeId, validatorNodeId } from './transport.js';
import { generatedTransactions } from './tx-source.js';

export interface LocalNetworkOptions {
  /** Seeds the generated history, the keys, payloads and timer jitter. */
  readonly seed: number;
  /** Validators (default 4). */
  readonly validators?: number;
  /** Height of the generated history the network continues (default 3). */
  readonly historyBlocks?: number;
  /** Default `equal`: with unequal power, liveness with one validator down depends on which one. */
  readonly votingPower?: 'equal' | 'unequal';
  readonly epochLength?: number;
  /** Transactions per proposed block (default 4). */
  readonly transactionsPerBlock?: number;
  /** Message latency (default 5 ms). */
  readonly delayMs?: number;
  readonly timing?: Partial<PacemakerTiming>;
  readonly proposeDelayMs?: number;
  /** Safety store of validator i (undefined: in memory). */
  readonly safetyStore?: (index: number) => SafetyStore | undefined;
  /** Pending-block store of validator i (undefined: in memory). */
  readonly pendingStore?: (index: number) => PendingBlockStore | undefined;
  /** Default: a ManualClock at the history's tip + 1 s (`runFor`/`runUntil` need one). A real clock runs on its own. */
  readonly clock?: Clock;
}

/** A generated history: the chain, and a store and state machine holding it. */
export interface History {
  readonly chain: GeneratedChain;
  readonly store: MemoryChainStore;
  readonly stateMachine: MerkleKvStateMachine;
}

/** One validator of a LocalNetwork and everything it owns. */
export interface LocalNode {
  readonly index: number;
  readonly id: NodeId;
  readonly key: SigningKey;
  readonly transport: MemoryTransport;
  readonly store: ChainStore;
  readonly stateMachine: MerkleKvStateMachine;
  engine: HotStuff2Engine;
  /** Builds a new engine over the same store, state and transport (a restart); the old one must be stopped. */
  restart(overrides?: Partial<HotStuff2EngineOptions>): HotStuff2Engine;
}

/**
 * N validators in one process on a ManualClock and a MemoryHub, continuing a history from
 * core's chain generator (same keys: the generator's `ValidatorSchedule`). Virtual time runs
 * only through `runFor`/`runUntil`, which let every engine finish its work between timers.
 */
export class LocalNetwork {
  private constructor(
    readonly clock: Clock,
    readonly hub: MemoryHub,
    readonly chain: GeneratedChain,
    readonly nodes: readonly LocalNode[],
    private readonly generate: () => Promise<History>,
  ) {}

  /** Another copy of the generated history (to verify against: its state machine is at the history's tip). */
  freshHistory(): Promise<History> {
    return this.generate();
  }

  static async create(options: LocalNetworkOptions): Promise<LocalNetwork> {
    const n = options.validators ?? 4;
    const generate = async (): Promise<History> => {
      const store = new MemoryChainStore();
      const stateMachine = createMemoryStateMachine();
      const chain = await generateChain({
        seed: options.seed,
        blocks: options.historyBlocks ?? 3,
        validators: n,
        votingPower: options.votingPower ?? 'equal',
        epochLength: options.epochLength ?? 0,
        viewGapRate: 0,
        store,
        stateMachine,
      });
      return { chain, store, stateMachine };
    };
    // Every node gets its own copy of the same (deterministic) history.
    const copies = await Promise.all(Array.from({ length: n }, generate));
    const chain = copies[0]!.chain;
    const clock = options.clock ?? new ManualClock(chain.tip.timestampMs + 1_000);
    const hub = new MemoryHub({ clock, delayMs: options.delayMs ?? 5 });
    const keys = chain.keys(chain.tip.validatorSet.epoch);
    const nodes = copies.map(({ store, stateMachine }, index): LocalNode => {
      const key = keys[index]!;
      const id = validatorNodeId(key.publicKey);
      const transport = hub.connect(id);
      const safety = options.safetyStore?.(index) ?? new MemorySafetyStore();
      const pending = options.pendingStore?.(index);
      const random = new SeededRandom(options.seed * 1_000 + index);
      const build = (overrides: Partial<HotStuff2EngineOptions> = {}) =>
        new HotStuff2Engine({
          chainId: chain.chainId,
          store,
          stateMachine,
          transport,
          key,
          voteGuard: overrides.voteGuard ?? new VoteGuard(safety),
          ...(pending && { pendingBlocks: pending }),
          transactions: generatedTransactions(random, {
            transactionsPerBlock: options.transactionsPerBlock ?? 4,
          }),
          clock,
          random,
          timing: { baseTimeoutMs: 400, maxTimeoutMs: 6_400, ...options.timing },
          proposeDelayMs: options.proposeDelayMs ?? 40,
          ...overrides,
        });
      const node: LocalNode = {
        index,
        id,
        key,
        transport,
        store,
        stateMachine,
        engine: build(),
        restart: (overrides) => {
          node.engine = build(overrides);
          return node.engine;
        },
      };
      return node;
    });
    return new LocalNetwork(clock, hub, chain, nodes, generate);
  }

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.engine.start()));
  }

  /** Lets every engine finish what it is doing (no virtual time passes). */
  async settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      await flushMicrotasks();
      await Promise.all(this.nodes.map((node) => node.engine.idle()));
    }
  }

  /** Advances virtual time by `ms`, timer by timer, settling the engines after each. */
  async runFor(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  /** Runs until `done()` holds (checked after every timer), at most `maxMs` of virtual time; returns whether it held. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const clock = this.manualClock();
    const end = clock.now() + maxMs;
    for (;;) {
      await this.settle();
      if (done()) return true;
      const next = clock.nextTimerAt();
      if (next === undefined || next > end) break;
      clock.advanceTo(next);
    }
    clock.advanceTo(end);
    await this.settle();
    return done();
  }

  private manualClock(): ManualClock {
    if (!(this.clock instanceof ManualClock)) {
      throw new InvalidArgumentError('arg.invalid', 'virtual time needs the network to run on a ManualClock');
    }
    return this.clock;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.engine.stop()));
  }
}
