import {
  bytesEqual,
  type ChainStore,
  DEFAULT_CODEC_LIMITS,
  DEFAULT_WIRE_LIMITS,
  HotsyncError,
  type PeerId,
  parseSyncConfig,
  type StateMachine,
  type TrustedPoint,
  toHex,
} from '@hotsync/core';
import { createVerifier, type Verifier } from '@hotsync/validation';
import { type Behaviour, buildHandler } from '../behaviours/behaviour.js';
import type { SimChain } from '../chain/sim-chain.js';
import { copyPrefix, copyRange } from '../chain/store-copy.js';
import { SimnetError } from '../errors.js';
import type { SimEndpoint } from '../network/endpoint.js';
import { SimNetwork } from '../network/sim-network.js';
import { Simulation } from '../simulation.js';
import { checkSpec } from './check-spec.js';
import type { BanRecord, ErrorRecord, NodeReport, PenaltyRecord, ScenarioReport } from './report.js';
import type { FaultSpec, NodeSpec, ScenarioSpec, ScenarioView, SimSyncNode } from './types.js';

/** One node of a finished run, for assertions and inspection. */
export interface RunNode {
  readonly id: PeerId;
  readonly spec: NodeSpec;
  readonly chain: SimChain;
  readonly store: ChainStore;
  readonly endpoint: SimEndpoint;
  /** Syncing nodes only. */
  readonly stateMachine?: StateMachine;
  readonly sync?: SimSyncNode;
}

export interface ScenarioResult {
  readonly seed: number;
  readonly report: ScenarioReport;
  readonly nodes: readonly RunNode[];
  node(id: PeerId): RunNode;
  /** Wall-clock ms the run took (not part of the report: it differs between runs). */
  readonly realTimeMs: number;
}

/**
 * Runs a scenario on virtual time: builds the nodes (serving nodes share their chain's
 * store; behaviours derive theirs once), connects them, calls each syncing node's
 * `start()`, applies the faults at their times, runs until the stop condition, stops the
 * nodes and reports. Rejects with a SimnetError naming the seed when the simulation fails.
 */
export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const began = performance.now();
  checkSpec(spec);
  const sim = new Simulation({
    seed: spec.seed,
    startTimeMs: spec.startTimeMs,
    recordTrace: spec.recordTrace,
  });
  const chainOf = (node: NodeSpec): SimChain => spec.chains[node.chain]!;
  const firstChain = chainOf(spec.nodes[0]!);
  const net = new SimNetwork(sim, {
    chainId: firstChain.chainId,
    defaultLink: spec.links?.default,
    limits: spec.network?.limits,
    timeouts: spec.network?.timeouts,
    statusOnConnect: spec.network?.statusOnConnect,
  });
  const at = () => sim.elapsedMs();
  const penalties: PenaltyRecord[] = [];
  const bans: BanRecord[] = [];
  const errors: ErrorRecord[] = [];
  const verifiers: Verifier[] = [];
  const nodes: RunNode[] = [];
  const recordError = (node: PeerId, err: unknown) =>
    errors.push({
      node,
      code: err instanceof HotsyncError ? err.code : undefined,
      message: err instanceof Error ? err.message : String(err),
    });

  try {
    const handlerFor = (
      node: NodeSpec,
      store: ChainStore,
      behaviours: readonly Behaviour[],
      label: string,
    ) => {
      const chain = chainOf(node);
      const limits = node.limits ?? spec.network?.limits ?? DEFAULT_WIRE_LIMITS;
      return buildHandler(
        behaviours,
        {
          node: node.id,
          store,
          chain,
          chainId: chain.chainId,
          clock: sim.clock,
          limits,
          codecLimits: DEFAULT_CODEC_LIMITS,
        },
        (i, b) => sim.randomFor('behaviour', node.id, label, String(i), b.name),
      );
    };
    const config = parseSyncConfig(spec.config ?? {});
    for (const node of spec.nodes) {
      const chain = chainOf(node);
      const store = await storeFor(node, chain);
      const limits = node.limits ?? spec.network?.limits ?? DEFAULT_WIRE_LIMITS;
      const handler = await handlerFor(node, store, node.behaviours ?? [], 'initial');
      const endpoint = net.addNode(node.id, {
        handler,
        chainId: chain.chainId,
        online: node.online ?? true,
        limits,
        ...(node.timeouts && { timeouts: node.timeouts }),
        // The syncing node's SyncConfig caps what it downloads, as it would over libp2p.
        ...(node.role === 'sync' && { bandwidthCapBytesPerSec: config.network.bandwidthCapBytesPerSec }),
      });
      nodes.push({ id: node.id, spec: node, chain, store, endpoint });
    }
    for (const link of spec.links?.pairs ?? []) net.setLink(link.a, link.b, link.link);
    net.start();

    for (const [i, node] of nodes.entries()) {
      if (node.spec.role !== 'sync') continue;
      const stateMachine = node.chain.createStateMachine();
      const verifier = createVerifier({ chainId: node.chain.chainId, clock: sim.clock, workers: 0 });
      verifiers.push(verifier);
      const sync = await node.spec.sync({
        id: node.id,
        network: node.endpoint,
        clock: sim.clock,
        random: sim.randomFor('node', node.id),
        store: node.store,
        stateMachine,
        verifier,
        chainId: node.chain.chainId,
        anchor: node.chain.generated.anchor,
        trusted: node.chain.genesisPoint,
        config: parseSyncConfig(spec.config ?? {}),
        realWork: (work) => sim.realWork(work),
      });
      sync.peerEvents?.onEvent((event) => {
        switch (event.type) {
          case 'penalized':
            penalties.push({
              atMs: at(),
              node: node.id,
              peer: event.peer,
              level: event.level,
              reason: event.reason,
            });
            return;
          case 'banned':
            bans.push({
              atMs: at(),
              node: node.id,
              peer: event.peer,
              reason: event.reason,
              untilMs: event.untilMs - sim.startMs,
            });
            return;
          case 'unbanned':
          case 'disconnect':
          case 'circuit':
            return;
        }
      });
      nodes[i] = { ...node, stateMachine, sync };
      sim.clock.setTimeout(() => {
        try {
          Promise.resolve(sync.start()).catch((err: unknown) => recordError(node.id, err));
        } catch (err) {
          recordError(node.id, err);
        }
      }, node.spec.startAtMs ?? 0);
    }
    // Behaviour changes are built now (deriving stores is work), and swapped in at their time.
    for (const [i, fault] of (spec.faults ?? []).entries()) {
      if (fault.kind === 'behaviours') {
        const node = nodes.find((n) => n.id === fault.node)!;
        const handler = await handlerFor(node.spec, node.store, fault.behaviours, `fault-${i}`);
        sim.clock.setTimeout(() => {
          net.setHandler(fault.node, handler);
          sim.trace.record(
            `behaviours ${fault.node} ${fault.behaviours.map((b) => b.name).join(',') || 'honest'}`,
          );
        }, fault.atMs);
      } else {
        sim.clock.setTimeout(() => applyFault(net, fault), fault.atMs);
      }
    }

    const tipOf = (node: RunNode): TrustedPoint | undefined => node.sync?.tip?.() ?? node.store.tip();
    const atChainTip = (node: RunNode): boolean => {
      const tip = tipOf(node);
      return (
        tip !== undefined && tip.height === node.chain.tip.height && bytesEqual(tip.hash, node.chain.tip.hash)
      );
    };
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const view: ScenarioView = {
      get elapsedMs() {
        return sim.elapsedMs();
      },
      tip: (id) => tipOf(lookup(byId, id, spec.seed)),
      chain: (id) => lookup(byId, id, spec.seed).chain,
    };
    const { condition } = spec.until;
    const syncing = nodes.filter((n) => n.spec.role === 'sync');
    const until =
      condition === 'all-synced'
        ? () => syncing.every((n) => atChainTip(byId.get(n.id)!))
        : condition && (() => condition(view));
    const run = await sim.run({
      deadlineMs: sim.startMs + spec.until.deadlineMs,
      ...(until && { until }),
      ...(spec.until.maxSteps !== undefined && { maxSteps: spec.until.maxSteps }),
    });
    const virtualTimeMs = run.atMs - sim.startMs;

    // Stop every node, letting virtual time run while they wind down.
    let stopped = false;
    Promise.allSettled(
      nodes.map(async (n) => {
        const sync = byId.get(n.id)!.sync;
        if (sync) await sync.stop();
      }),
    ).then((results) => {
      results.forEach((r, i) => {
        if (r.status === 'rejected') recordError(nodes[i]!.id, r.reason);
      });
      stopped = true;
    });
    await sim.run({ deadlineMs: sim.clock.now() + (spec.stopGraceMs ?? 60_000), until: () => stopped });
    if (!stopped)
      errors.push({ node: '*', code: undefined, message: 'stop() did not finish within the grace period' });
    for (const f of net.handlerFailures()) recordError(f.node, f.error);

    const final = nodes.map((n) => byId.get(n.id)!);
    const nodeReports: Record<PeerId, NodeReport> = {};
    for (const n of final) {
      const tip = tipOf(n);
      nodeReports[n.id] = {
        role: n.spec.role,
        behaviours: (n.spec.behaviours ?? []).map((b) => b.name),
        online: net.isOnline(n.id),
        tip: tip ? { height: tip.height, hash: toHex(tip.hash) } : null,
        atChainTip: atChainTip(n),
        totals: net.traffic(n.id).totals(),
        peers: net.traffic(n.id).snapshot(),
      };
    }
    const lines = sim.trace.lines();
    const report: ScenarioReport = {
      seed: spec.seed,
      endedBy: run.endedBy,
      virtualTimeMs,
      steps: run.steps,
      traceDigest: sim.trace.digest(),
      traceEvents: sim.trace.events,
      nodes: nodeReports,
      penalties,
      bans,
      errors,
      ...(lines && { trace: lines }),
    };
    return {
      seed: spec.seed,
      report,
      nodes: final,
      node: (id) => lookup(byId, id, spec.seed),
      realTimeMs: performance.now() - began,
    };
  } finally {
    await Promise.all(verifiers.map((v) => v.close()));
  }
}

async function storeFor(node: NodeSpec, chain: SimChain): Promise<ChainStore> {
  if (node.role === 'sync') return chain.createSyncStore();
  const upTo = Math.min(node.upToHeight ?? chain.tip.height, chain.tip.height);
  const from = node.fromHeight ?? chain.store.base() ?? 0;
  if (from <= (chain.store.base() ?? 0)) {
    if (upTo === chain.tip.height) return chain.store;
    return chain.derive(`prefix@${upTo}`, () => copyPrefix(chain.store, upTo));
  }
  return chain.derive(`range@${from}..${upTo}`, () => copyRange(chain.store, from, upTo));
}

function applyFault(net: SimNetwork, fault: Exclude<FaultSpec, { kind: 'behaviours' }>): void {
  switch (fault.kind) {
    case 'partition':
      net.partition(fault.groups, fault.mode);
      return;
    case 'heal':
      net.heal();
      return;
    case 'leave':
      net.leave(fault.node);
      return;
    case 'join':
      net.join(fault.node);
      return;
    case 'link':
      net.setLink(fault.a, fault.b, fault.link);
      return;
  }
}

function lookup(nodes: ReadonlyMap<PeerId, RunNode>, id: PeerId, seed: number): RunNode {
  const node = nodes.get(id);
  if (!node) throw new SimnetError('simnet.unknown-node', `no node ${id} in the scenario`, { seed });
  return node;
}
