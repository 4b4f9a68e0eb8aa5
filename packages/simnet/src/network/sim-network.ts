import {
  BandwidthCap,
  type CodecLimits,
  DEFAULT_CODEC_LIMITS,
  DEFAULT_WIRE_LIMITS,
  defaultSyncConfig,
  type PeerId,
  type SyncConfig,
  type WireLimits,
} from '@hotsync/core';
import { SimnetError } from '../errors.js';
import type { Simulation } from '../simulation.js';
import { SimEndpoint } from './endpoint.js';
import type { ExchangeHost, RequestTimeouts } from './exchange.js';
import type { RequestHandler } from './handler.js';
import { DEFAULT_LINK, Link, type LinkSpec, resolveLink } from './link.js';
import { TrafficBook } from './traffic.js';

/** Client deadlines from a SyncConfig: `peers.firstByteTimeoutMs` and, for the whole request, `peers.peerTimeoutMs`. */
export function timeoutsFromConfig(config: SyncConfig): RequestTimeouts {
  const requestMs = config.peers.peerTimeoutMs;
  return { requestMs, firstByteMs: Math.min(requestMs, config.peers.firstByteTimeoutMs) };
}

export interface SimNetworkOptions {
  /** The chain every node follows (status messages of another are malformed). */
  readonly chainId: Uint8Array;
  /** Conditions of every link not set with `setLink` (default DEFAULT_LINK). */
  readonly defaultLink?: Partial<LinkSpec>;
  /** Default wire limits of every node, as client and as server. */
  readonly limits?: WireLimits;
  readonly codecLimits?: CodecLimits;
  /** Default client deadlines (default `timeoutsFromConfig(defaultSyncConfig())`). */
  readonly timeouts?: Partial<RequestTimeouts>;
  /** Ask a newly connected peer for its status and report it as a `status` event (default true). */
  readonly statusOnConnect?: boolean;
}

export interface SimNodeOptions {
  /** How the node answers requests (see `honestHandler` and the behaviours). */
  readonly handler: RequestHandler;
  /** The chain this node follows (default the network's): status answers of another are malformed. */
  readonly chainId?: Uint8Array;
  /** Offline nodes connect to nobody until `join` (default true). */
  readonly online?: boolean;
  readonly limits?: WireLimits;
  readonly timeouts?: Partial<RequestTimeouts>;
  /**
   * Bytes per second this node reads of all its responses together (a SyncConfig's
   * `network.bandwidthCapBytesPerSec`); 0 or absent: no cap.
   */
  readonly bandwidthCapBytesPerSec?: number;
}

/** `disconnect` closes the connections across groups; `silent` keeps them and drops what crosses. */
export type PartitionMode = 'disconnect' | 'silent';

interface NodeState {
  readonly endpoint: SimEndpoint;
  readonly traffic: TrafficBook;
  handler: RequestHandler;
  online: boolean;
}

/** A request in flight, as far as a closing connection cares. */
interface InFlight {
  readonly from: PeerId;
  readonly to: PeerId;
  readonly promise: Promise<unknown>;
  disconnect(): void;
}

type ConnectionState = { kind: 'down' } | { kind: 'connecting'; cancel(): void } | { kind: 'up' };

/**
 * The simulated network: nodes, the links between every pair of them, their connections,
 * partitions and churn. Every node gets a SimEndpoint, core's SyncNetwork, so sync code
 * runs over it unchanged. Online nodes in the same partition group connect to each other
 * after a handshake of one round trip; a partition, a node leaving or a heal changes the
 * connections and tells both ends.
 */
export class SimNetwork implements ExchangeHost {
  readonly clock: Simulation['clock'];
  private readonly nodes = new Map<PeerId, NodeState>();
  private readonly links = new Map<string, Link>();
  private readonly connections = new Map<string, ConnectionState>();
  private readonly inflight = new Set<InFlight>();
  private readonly defaultLink: LinkSpec;
  private readonly defaultTimeouts: RequestTimeouts;
  private groups: Map<PeerId, number> | undefined;
  private partitionMode: PartitionMode = 'disconnect';
  private started = false;
  private readonly failures: { readonly node: PeerId; readonly error: unknown }[] = [];

  constructor(
    private readonly sim: Simulation,
    private readonly options: SimNetworkOptions,
  ) {
    this.clock = sim.clock;
    this.defaultLink = resolveLink(options.defaultLink, DEFAULT_LINK);
    this.defaultTimeouts = { ...timeoutsFromConfig(defaultSyncConfig()), ...options.timeouts };
  }

  // ---- nodes ----------------------------------------------------------------------

  addNode(id: PeerId, options: SimNodeOptions): SimEndpoint {
    if (this.nodes.has(id)) throw new SimnetError('simnet.duplicate-node', `node ${id} exists already`);
    if (id.includes(' ')) throw new SimnetError('simnet.invalid-option', `node id "${id}" contains a space`);
    const endpoint = new SimEndpoint(id, this, {
      chainId: options.chainId ?? this.options.chainId,
      limits: options.limits ?? this.options.limits ?? DEFAULT_WIRE_LIMITS,
      codecLimits: this.options.codecLimits ?? DEFAULT_CODEC_LIMITS,
      timeouts: { ...this.defaultTimeouts, ...options.timeouts },
      statusOnConnect: this.options.statusOnConnect ?? true,
      ...(options.bandwidthCapBytesPerSec &&
        options.bandwidthCapBytesPerSec > 0 && {
          bandwidthCap: new BandwidthCap({ bytesPerSec: options.bandwidthCapBytesPerSec, clock: this.clock }),
        }),
    });
    this.nodes.set(id, {
      endpoint,
      traffic: new TrafficBook(),
      handler: options.handler,
      online: options.online ?? true,
    });
    this.refresh();
    return endpoint;
  }

  /** Wire limits of a node added without its own. */
  endpointLimits(): WireLimits {
    return this.options.limits ?? DEFAULT_WIRE_LIMITS;
  }

  codecLimits(): CodecLimits {
    return this.options.codecLimits ?? DEFAULT_CODEC_LIMITS;
  }

  endpoint(id: PeerId): SimEndpoint {
    return this.state(id).endpoint;
  }

  nodeIds(): PeerId[] {
    return [...this.nodes.keys()];
  }

  setHandler(id: PeerId, handler: RequestHandler): void {
    this.state(id).handler = handler;
  }

  isOnline(id: PeerId): boolean {
    return this.state(id).online;
  }

  /** Opens the initial connections (handshakes start now). Nodes added later connect on their own. */
  start(): void {
    this.started = true;
    this.refresh();
  }

  // ---- links, partitions, churn -------------------------------------------------------

  /** Conditions of the link between `a` and `b` from now on. */
  setLink(a: PeerId, b: PeerId, spec: Partial<LinkSpec>): void {
    this.state(a);
    this.state(b);
    const link = this.link(a, b);
    link.update(resolveLink(spec, link.conditions));
    this.sim.trace.record(`link ${a} ${b} ${JSON.stringify(spec)}`);
  }

  /** Splits the nodes into groups (nodes in no group form one more); nothing crosses until `heal`. */
  partition(groups: readonly (readonly PeerId[])[], mode: PartitionMode = 'disconnect'): void {
    const map = new Map<PeerId, number>();
    groups.forEach((group, i) => {
      for (const id of group) {
        this.state(id);
        map.set(id, i);
      }
    });
    this.groups = map;
    this.partitionMode = mode;
    this.sim.trace.record(`partition ${mode} ${groups.map((g) => g.join(',')).join(' | ')}`);
    this.refresh();
  }

  heal(): void {
    this.groups = undefined;
    this.sim.trace.record('heal');
    this.refresh();
  }

  /** The node goes offline: its connections close. */
  leave(id: PeerId): void {
    this.state(id).online = false;
    this.sim.trace.record(`leave ${id}`);
    this.refresh();
  }

  join(id: PeerId): void {
    this.state(id).online = true;
    this.sim.trace.record(`join ${id}`);
    this.refresh();
  }

  isConnected(a: PeerId, b: PeerId): boolean {
    return this.connections.get(pairKey(a, b))?.kind === 'up';
  }

  /** Peers `id` is connected to, in the order nodes were added. */
  connectedPeersOf(id: PeerId): PeerId[] {
    const out: PeerId[] = [];
    for (const other of this.nodes.keys()) if (other !== id && this.isConnected(id, other)) out.push(other);
    return out;
  }

  /** Handlers that threw (bugs in a behaviour or a user handler), in order. */
  handlerFailures(): readonly { readonly node: PeerId; readonly error: unknown }[] {
    return this.failures;
  }

  // ---- ExchangeHost ---------------------------------------------------------------

  link(a: PeerId, b: PeerId): Link {
    const key = pairKey(a, b);
    let link = this.links.get(key);
    if (!link) {
      const [x, y] = a < b ? [a, b] : [b, a];
      link = new Link(x, y, this.defaultLink, this.clock, this.sim.randomFor('link', x, y));
      this.links.set(key, link);
    }
    return link;
  }

  canDeliver(from: PeerId, to: PeerId): boolean {
    return this.isConnected(from, to) && !this.separated(from, to);
  }

  traffic(node: PeerId): TrafficBook {
    return this.state(node).traffic;
  }

  handler(node: PeerId): RequestHandler {
    return this.state(node).handler;
  }

  record(event: string): void {
    this.sim.trace.record(event);
  }

  handlerFailed(node: PeerId, error: unknown): void {
    this.failures.push({ node, error });
    this.sim.trace.record(`handler-error ${node}`);
  }

  /** Registers an exchange so a closing connection can fail it. */
  track(exchange: InFlight): void {
    this.inflight.add(exchange);
    const untrack = () => this.inflight.delete(exchange);
    exchange.promise.then(untrack, untrack);
  }

  // ---- connections ----------------------------------------------------------------

  private state(id: PeerId): NodeState {
    const node = this.nodes.get(id);
    if (!node) throw new SimnetError('simnet.unknown-node', `no node ${id}`, { seed: this.sim.seed });
    return node;
  }

  private separated(a: PeerId, b: PeerId): boolean {
    if (!this.groups) return false;
    return (this.groups.get(a) ?? -1) !== (this.groups.get(b) ?? -1);
  }

  /** Brings every pair's connection in line with who is online and the partition. */
  private refresh(): void {
    if (!this.started) return;
    const ids = [...this.nodes.keys()];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) this.refreshPair(ids[i]!, ids[j]!);
    }
  }

  private refreshPair(a: PeerId, b: PeerId): void {
    const key = pairKey(a, b);
    const current = this.connections.get(key) ?? { kind: 'down' };
    const online = this.state(a).online && this.state(b).online;
    const separated = this.separated(a, b);
    // A silent partition keeps open connections open (they just stop carrying anything).
    const wanted = online && (!separated || (this.partitionMode === 'silent' && current.kind === 'up'));
    if (wanted && current.kind === 'down') {
      const timer = this.clock.setTimeout(() => this.connect(a, b), 2 * this.link(a, b).latency());
      this.connections.set(key, { kind: 'connecting', cancel: () => timer.cancel() });
    } else if (!wanted && current.kind === 'connecting') {
      current.cancel();
      this.connections.set(key, { kind: 'down' });
    } else if (!wanted && current.kind === 'up') {
      this.connections.set(key, { kind: 'down' });
      this.sim.trace.record(`disconnect ${a} ${b}`);
      for (const ex of [...this.inflight]) {
        if ((ex.from === a && ex.to === b) || (ex.from === b && ex.to === a)) ex.disconnect();
      }
      this.endpoint(a).peerEvent({ type: 'disconnected', peer: b });
      this.endpoint(b).peerEvent({ type: 'disconnected', peer: a });
    }
  }

  private connect(a: PeerId, b: PeerId): void {
    this.connections.set(pairKey(a, b), { kind: 'up' });
    this.sim.trace.record(`connect ${a} ${b}`);
    this.endpoint(a).connectedTo(b);
    this.endpoint(b).connectedTo(a);
  }
}

function pairKey(a: PeerId, b: PeerId): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
