import type {
  ChainStore,
  Clock,
  PeerId,
  PeerManagerEvent,
  Random,
  StateMachine,
  SyncConfig,
  SyncConfigInput,
  SyncNetwork,
  TrustAnchor,
  TrustedPoint,
  WireLimits,
} from '@hotsync/core';
import type { Verifier } from '@hotsync/validation';
import type { Behaviour } from '../behaviours/behaviour.js';
import type { SimChain } from '../chain/sim-chain.js';
import type { RequestTimeouts } from '../network/exchange.js';
import type { LinkSpec, PartitionMode } from '../network/index.js';

/** What a syncing node's factory receives: everything injected, nothing global. */
export interface SyncNodeContext {
  readonly id: PeerId;
  readonly network: SyncNetwork;
  readonly clock: Clock;
  /** The node's own random stream. */
  readonly random: Random;
  /** In-memory store holding the chain's genesis. */
  readonly store: ChainStore;
  /** Empty in-memory state machine of the chain's depth. */
  readonly stateMachine: StateMachine;
  /** A verifier for the chain (@hotsync/validation, signatures on the main thread, the simulated clock). */
  readonly verifier: Verifier;
  readonly chainId: Uint8Array;
  readonly anchor: TrustAnchor;
  /** The anchor as a trusted point (the store's tip at the start). */
  readonly trusted: TrustedPoint;
  readonly config: SyncConfig;
  /**
   * Wrap real (wall-clock) work in it, such as writes to an LMDB store the node uses instead
   * of `store`: virtual time waits for it. Not needed with the in-memory store and state.
   */
  realWork<T>(work: Promise<T>): Promise<T>;
}

/** Where penalties and bans come from: a PeerManager, or anything with the same `onEvent`. */
export interface PeerEventSource {
  onEvent(listener: (event: PeerManagerEvent) => void): () => void;
}

/** A syncing node as the runner drives it. */
export interface SimSyncNode {
  /** Starts syncing; may return at once or when done (the runner does not wait for it). */
  // biome-ignore lint/suspicious/noConfusingVoidType: start may be synchronous or not
  start(): void | Promise<unknown>;
  /** Stops; the runner keeps virtual time running until it resolves. */
  // biome-ignore lint/suspicious/noConfusingVoidType: stop may be synchronous or not
  stop(): void | Promise<unknown>;
  /** The node's verified tip (default: its store's tip). */
  tip?(): TrustedPoint | undefined;
  /** Penalties and bans for the report (e.g. the node's PeerManager). */
  readonly peerEvents?: PeerEventSource;
}

export type SyncNodeFactory = (context: SyncNodeContext) => SimSyncNode | Promise<SimSyncNode>;

interface NodeCommon {
  readonly id: PeerId;
  /** Name of the chain in `ScenarioSpec.chains`. */
  readonly chain: string;
  /** How the node answers requests (default: honestly). */
  readonly behaviours?: readonly Behaviour[];
  /** False: the node joins later (a `join` fault). Default true. */
  readonly online?: boolean;
  readonly limits?: WireLimits;
  readonly timeouts?: Partial<RequestTimeouts>;
}

/** A node that holds the chain (`fromHeight..upToHeight`, default all of it) and serves it. */
export interface ServingNodeSpec extends NodeCommon {
  readonly role: 'serve';
  readonly upToHeight?: number;
  /** Lowest height it serves: history below is pruned (its status reports this `earliestHeight`). */
  readonly fromHeight?: number;
}

/** A node that starts at genesis and runs the sync code the factory builds (it serves what it has). */
export interface SyncingNodeSpec extends NodeCommon {
  readonly role: 'sync';
  readonly sync: SyncNodeFactory;
  /** Virtual ms after the start at which `start()` is called (default 0). */
  readonly startAtMs?: number;
}

export type NodeSpec = ServingNodeSpec | SyncingNodeSpec;

/** Something that happens at `atMs` virtual ms after the start. */
export type FaultSpec =
  | {
      readonly atMs: number;
      readonly kind: 'partition';
      readonly groups: readonly (readonly PeerId[])[];
      readonly mode?: PartitionMode;
    }
  | { readonly atMs: number; readonly kind: 'heal' }
  | { readonly atMs: number; readonly kind: 'leave'; readonly node: PeerId }
  | { readonly atMs: number; readonly kind: 'join'; readonly node: PeerId }
  | {
      readonly atMs: number;
      readonly kind: 'link';
      readonly a: PeerId;
      readonly b: PeerId;
      readonly link: Partial<LinkSpec>;
    }
  /** The node answers as `behaviours` say from then on (built before the run; [] is honest). */
  | {
      readonly atMs: number;
      readonly kind: 'behaviours';
      readonly node: PeerId;
      readonly behaviours: readonly Behaviour[];
    };

export interface LinkOverride {
  readonly a: PeerId;
  readonly b: PeerId;
  readonly link: Partial<LinkSpec>;
}

/** When the run stops: whichever comes first. */
export interface StopCondition {
  /** Virtual ms after the start. */
  readonly deadlineMs: number;
  /** `all-synced`: every syncing node's tip is its chain's tip; or any predicate. */
  readonly condition?: 'all-synced' | ((view: ScenarioView) => boolean);
  readonly maxSteps?: number;
}

/** What a stop condition can look at. */
export interface ScenarioView {
  readonly elapsedMs: number;
  tip(node: PeerId): TrustedPoint | undefined;
  chain(node: PeerId): SimChain;
}

export interface ScenarioSpec {
  readonly seed: number;
  /** Chains by name, generated beforehand (generate once, share between scenarios). */
  readonly chains: Readonly<Record<string, SimChain>>;
  readonly nodes: readonly NodeSpec[];
  readonly links?: { readonly default?: Partial<LinkSpec>; readonly pairs?: readonly LinkOverride[] };
  readonly faults?: readonly FaultSpec[];
  readonly network?: {
    readonly limits?: WireLimits;
    readonly timeouts?: Partial<RequestTimeouts>;
    readonly statusOnConnect?: boolean;
  };
  /** The SyncConfig handed to syncing nodes (defaults filled in). */
  readonly config?: SyncConfigInput;
  readonly until: StopCondition;
  /** Virtual ms allowed for `stop()` to finish after the run (default 60 000). */
  readonly stopGraceMs?: number;
  readonly startTimeMs?: number;
  /** Keep the full event trace in the report (its digest is always there). */
  readonly recordTrace?: boolean;
}
