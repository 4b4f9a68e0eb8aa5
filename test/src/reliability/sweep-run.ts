import {
  bytesEqual,
  every,
  type SyncConfigInput,
  type SyncOutcome,
  type SyncStrategy,
  toHex,
} from '@hotsync/core';
import {
  type BanRecord,
  type Behaviour,
  type ErrorRecord,
  type FaultSpec,
  flaky,
  forgedChain,
  type LinkSpec,
  type NodeSpec,
  type PenaltyRecord,
  runScenario,
  type SimChain,
  type SyncNodeFactory,
  slow,
} from '@hotsync/simnet';
import {
  type CoordinatorStats,
  type DownloadCoordinator,
  defaultStrategies,
  fastStrategy,
  incrementalStrategy,
  type ParallelOptions,
  parallelStrategy,
} from '@hotsync/strategies';
import { corruptSnapshotChunks } from '../harness/behaviours.js';
import { START_AFTER_MS, type StrategyNode, strategyNode } from '../harness/strategy-node.js';
import { byzantineBehaviours } from './byzantine-behaviours.js';
import { chainFor } from './sweep-chains.js';
import type { ByzantinePeer, LinkProfile, Scenario, SweepStrategy } from './sweep-scenario.js';

/** What one seed's run left behind: everything the invariants look at, as plain data. */
export interface SeedObservation {
  readonly seed: number;
  readonly endedBy: string;
  /** SHA-256 over every network event of the run: equal seeds give equal digests. */
  readonly traceDigest: string;
  readonly virtualMs: number;
  readonly realMs: number;
  readonly chainTip: { readonly height: number; readonly hash: string; readonly stateRoot: string };
  readonly tip: { readonly height: number; readonly hash: string } | undefined;
  /** The syncing node's state root at the end (hex), and the height it is at. */
  readonly state: { readonly height: number; readonly root: string };
  /** Times the node started its manager again after it gave up (as the coordinator would). */
  readonly restarts: number;
  /** The manager's phase at the end, and the phases it went through. */
  readonly phase: string;
  readonly phases: readonly string[];
  /** Stored blocks that are not the honest chain's block at their height (first few heights). */
  readonly invalidStored: { readonly count: number; readonly heights: readonly number[] };
  readonly storedBlocks: number;
  /** Ids of the peers that serve the honest chain (honest peers). */
  readonly honestIds: readonly string[];
  readonly penalties: readonly PenaltyRecord[];
  readonly bans: readonly BanRecord[];
  readonly errors: readonly ErrorRecord[];
  /** Configured window (look-ahead) bound, and the highest usage any download coordinator reached. */
  readonly window: {
    readonly configured: { readonly ranges: number; readonly blocks: number };
    /** A download coordinator ran (parallel, adaptive and fast use one; incremental does not). */
    readonly sampled: boolean;
    readonly limits: { readonly ranges: number; readonly blocks: number } | undefined;
    readonly highWater: {
      readonly ranges: number;
      readonly reservedBlocks: number;
      readonly heldBlocks: number;
    };
  };
}

/** Blocks a request may carry beyond its range (the tail that proves its end). */
export const RANGE_TAIL_BLOCKS = 4;
/** Virtual ms a seed may run before it counts as not converging. */
export const DEADLINE_MS = 300_000;
/** Beyond the first-byte deadline (5 s): a Byzantine `slow` peer times out. */
const BYZANTINE_SLOW_MS = 6_000;
/**
 * The manager's own recovery is bounded (`network.retryAttempts` + 1 attempts): after that
 * it rests in `failed`, and its owner, the consensus adapter's coordinator, starts it again
 * at its next check (every 30 s by default). The sweep's node does the same.
 */
export const RESTART_AFTER_MS = 30_000;
const MAX_RESTARTS = 8;
/** How often (virtual ms) the download window's high-water marks are read. */
const SAMPLE_EVERY_MS = 100;

function linkSpec(p: LinkProfile): Partial<LinkSpec> {
  return {
    latency: { baseMs: p.baseMs, jitterMs: p.jitterMs, jitter: p.jitter },
    bandwidthBytesPerSec: p.bandwidthBytesPerSec,
    loss: p.loss,
  };
}

function behavioursOf(peer: ByzantinePeer, chain: SimChain): Behaviour[] {
  const plus =
    peer.plus === 'late' ? [slow(400, { jitterMs: 400 })] : peer.plus === 'flaky' ? [flaky(0.2)] : [];
  return [...mainBehaviours(peer, chain), ...plus];
}

function mainBehaviours(peer: ByzantinePeer, chain: SimChain): Behaviour[] {
  switch (peer.kind) {
    case 'flaky':
      return [flaky(0.3)];
    case 'turncoat':
      return []; // honest until its `behaviours` fault
    case 'corrupt-snapshot':
      return [corruptSnapshotChunks()];
    case 'slow':
      // The matrix's slow peer: status at once, data later than the first-byte deadline.
      return byzantineBehaviours({ forgeFrom: peer.param, slowMs: BYZANTINE_SLOW_MS }).slow!();
    case 'lying-height':
    case 'withholding':
    case 'invalid-signatures':
    case 'forged-chain':
    case 'garbage':
    case 'oversized':
    case 'truncated':
    case 'equivocating':
      return byzantineBehaviours({ forgeFrom: peer.param, slowMs: BYZANTINE_SLOW_MS })[peer.kind]!();
    case 'uncommitted-fork':
      return chain.generated.forks.length > 0
        ? byzantineBehaviours({ forgeFrom: 1, slowMs: 0 })[peer.kind]!()
        : [];
  }
}

/** Fresh strategies for the syncing node, and a way to read the download window of whichever coordinator runs. */
function strategiesFor(name: SweepStrategy): {
  strategies: () => SyncStrategy[];
  stats: () => CoordinatorStats | undefined;
} {
  switch (name) {
    case 'parallel': {
      const p = parallelStrategy();
      return { strategies: () => [p], stats: () => p.stats() };
    }
    case 'incremental':
      return { strategies: () => [incrementalStrategy()], stats: () => undefined };
    case 'adaptive': {
      const all = defaultStrategies();
      const adaptive = all.find((s) => s.name === 'adaptive') as SyncStrategy & {
        stats(): CoordinatorStats | undefined;
      };
      return { strategies: () => all, stats: () => adaptive.stats() };
    }
    case 'fast': {
      let current: DownloadCoordinator | undefined;
      // `fast` hands its parallel options to runParallel, which reports each coordinator.
      const parallel: ParallelOptions & { onCoordinator: (c: DownloadCoordinator) => void } = {
        onCoordinator: (c) => {
          current = c;
        },
      };
      const f = fastStrategy({ parallel });
      return { strategies: () => [f], stats: () => current?.snapshot() };
    }
  }
}

function configOf(s: Scenario): SyncConfigInput {
  const c = s.config;
  return {
    strategy: {
      default: s.strategy,
      parallelThreshold: c.parallelThreshold,
      fastSyncThreshold: c.fastSyncThreshold,
    },
    performance: {
      batchSizeMin: c.batchSizeMin,
      batchSizeMax: c.batchSizeMax,
      validationPipelineSize: c.validationPipelineSize,
      verificationMode: c.verificationMode,
    },
    peers: { maxRequestsPerPeer: c.maxRequestsPerPeer },
  };
}

function faultsOf(s: Scenario, chain: SimChain): FaultSpec[] {
  const faults: FaultSpec[] = [];
  for (const e of s.events) {
    switch (e.kind) {
      case 'partition':
        faults.push({ atMs: e.atMs, kind: 'partition', groups: [['me', ...e.withMe]], mode: e.mode });
        faults.push({ atMs: e.healAtMs, kind: 'heal' });
        break;
      case 'churn':
        faults.push({ atMs: e.atMs, kind: 'leave', node: e.peer });
        if (e.rejoinAtMs !== undefined) faults.push({ atMs: e.rejoinAtMs, kind: 'join', node: e.peer });
        break;
      case 'late-join':
        faults.push({ atMs: e.atMs, kind: 'join', node: e.peer });
        break;
    }
  }
  for (const b of s.byzantine) {
    if (b.kind === 'turncoat') {
      const from = Math.max(1, Math.floor(chain.tip.height / 2));
      faults.push({
        atMs: b.param,
        kind: 'behaviours',
        node: b.id,
        behaviours: [forgedChain({ fromHeight: from })],
      });
    }
  }
  return faults;
}

/** Runs one scenario on simnet with the real SyncManager, PeerManager and strategies. */
export async function runSweepScenario(s: Scenario): Promise<SeedObservation> {
  const chain = await chainFor(s.chain);
  const lateJoiners = new Set(s.events.flatMap((e) => (e.kind === 'late-join' ? [e.peer] : [])));
  const nodes: NodeSpec[] = [
    ...s.honest.map(
      (h): NodeSpec => ({
        id: h.id,
        role: 'serve',
        chain: 'main',
        online: !lateJoiners.has(h.id),
        ...(h.upToHeight !== undefined && { upToHeight: h.upToHeight }),
        ...(h.slowMs !== undefined && { behaviours: [slow(h.slowMs)] }),
      }),
    ),
    ...s.byzantine.map(
      (b): NodeSpec => ({
        id: b.id,
        role: 'serve',
        chain: 'main',
        online: !lateJoiners.has(b.id),
        behaviours: behavioursOf(b, chain),
      }),
    ),
  ];
  const chosen = strategiesFor(s.strategy);
  const { stats } = chosen;
  // Each run of a strategy ends its coordinator: read its final marks then, too.
  const strategies = () =>
    chosen.strategies().map(
      (strategy): SyncStrategy => ({
        ...strategy,
        run: async (ctx, target, signal) => {
          try {
            return await strategy.run(ctx, target, signal);
          } finally {
            sample();
          }
        },
      }),
    );
  const high = { ranges: 0, reservedBlocks: 0, heldBlocks: 0 };
  let limits: { ranges: number; blocks: number } | undefined;
  let coordinatorSamples = 0;
  const sample = () => {
    const st = stats();
    if (!st) return;
    coordinatorSamples++;
    limits = { ranges: st.window.limits.ranges, blocks: st.window.limits.blocks };
    high.ranges = Math.max(high.ranges, st.window.highWater.ranges);
    high.reservedBlocks = Math.max(high.reservedBlocks, st.window.highWater.reservedBlocks);
    high.heldBlocks = Math.max(high.heldBlocks, st.window.highWater.heldBlocks);
  };
  let me: StrategyNode | undefined;
  let restarts = 0;
  const inner = strategyNode({ strategies, config: configOf(s), onNode: (n) => (me = n) });
  const sync: SyncNodeFactory = async (ctx) => {
    const node = await inner(ctx);
    const timer = every(ctx.clock, SAMPLE_EVERY_MS, sample);
    let stopped = false;
    let restart: { cancel(): void } | undefined;
    // A failure the manager gave up on (not a safety violation: that one stops for good) is
    // retried later, as the coordinator's next check would.
    const onOutcome = (outcome: SyncOutcome) => {
      if (stopped || outcome.kind !== 'failed' || outcome.evidence || restarts >= MAX_RESTARTS) return;
      restart = ctx.clock.setTimeout(() => {
        if (stopped || !me) return;
        restarts++;
        void me.manager.start().then(onOutcome);
      }, RESTART_AFTER_MS);
    };
    return {
      ...node,
      start: () => {
        node.start();
        void me?.outcome.then(onOutcome);
      },
      stop: async () => {
        stopped = true;
        restart?.cancel();
        timer.cancel();
        sample();
        await node.stop();
      },
    };
  };
  nodes.push({ id: 'me', role: 'sync', chain: 'main', startAtMs: START_AFTER_MS, sync });

  const result = await runScenario({
    seed: s.seed,
    chains: { main: chain },
    nodes,
    links: {
      default: linkSpec(s.link),
      pairs: s.pairLinks.map((p) => ({ a: 'me', b: p.peer, link: linkSpec(p.link) })),
    },
    faults: faultsOf(s, chain),
    until: {
      deadlineMs: DEADLINE_MS,
      condition: (view) =>
        view.tip('me')?.height === chain.tip.height && me?.manager.status().phase.name === 'synced',
    },
  });
  sample();

  const node = result.node('me');
  const tip = node.store.tip();
  let count = 0;
  let stored = 0;
  const heights: number[] = [];
  if (tip) {
    for (const block of node.store.iterateBlocks(0, tip.height)) {
      stored++;
      const honest = chain.blockBytes(block.height);
      if (!honest || !bytesEqual(honest, block.bytes)) {
        count++;
        if (heights.length < 5) heights.push(block.height);
      }
    }
  }
  const status = me?.manager.status();
  const sm = node.stateMachine!;
  return {
    seed: s.seed,
    endedBy: result.report.endedBy,
    traceDigest: result.report.traceDigest,
    virtualMs: result.report.virtualTimeMs,
    realMs: Math.round(result.realTimeMs),
    chainTip: {
      height: chain.tip.height,
      hash: toHex(chain.tip.hash),
      stateRoot: toHex(chain.tip.stateRoot),
    },
    tip: tip && { height: tip.height, hash: toHex(tip.hash) },
    state: { height: sm.height(), root: toHex(sm.root()) },
    restarts,
    phase: status?.phase.name ?? 'never-started',
    phases: status?.history.map((t) => t.to.name) ?? [],
    invalidStored: { count, heights },
    storedBlocks: stored,
    honestIds: s.honest.map((h) => h.id),
    penalties: result.report.penalties,
    bans: result.report.bans,
    errors: result.report.errors,
    window: {
      configured: {
        ranges: s.config.validationPipelineSize,
        blocks: s.config.validationPipelineSize * (s.config.batchSizeMax + RANGE_TAIL_BLOCKS),
      },
      sampled: coordinatorSamples > 0,
      limits,
      highWater: high,
    },
  };
}
