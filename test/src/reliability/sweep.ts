import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { chainFor } from './sweep-chains.js';
import { checkInvariants, type Violation } from './sweep-invariants.js';
import { runSweepScenario, type SeedObservation } from './sweep-run.js';
import { describeScenario, generateScenario, type Scenario, scenarioTags } from './sweep-scenario.js';

/** One seed's verdict. */
export interface SeedResult {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly violations: readonly Violation[];
  /** Undefined when the run itself threw (then `violations` says so). */
  readonly observation: SeedObservation | undefined;
  readonly realMs: number;
}

export interface SweepSummary {
  readonly from: number;
  readonly seeds: number;
  readonly passed: number;
  readonly failed: readonly SeedResult[];
  readonly realMs: number;
  /** Virtual ms summed over the seeds (what the runs simulated). */
  readonly virtualMs: number;
  /** How often each scenario feature came up (`strategy:parallel`, `byz:garbage`, ...). */
  readonly mix: Readonly<Record<string, number>>;
  /** Live heap (after a full collection) before the first seed and after the last. */
  readonly heap: { readonly beforeBytes: number; readonly afterBytes: number };
  /** Seeds whose manager gave up once or more and was started again (as the coordinator would). */
  readonly restartedSeeds: number;
  /** Slowest seed (real ms), to keep the sweep's cost in view. */
  readonly slowest: { readonly seed: number; readonly realMs: number } | undefined;
}

export interface SweepOptions {
  readonly from: number;
  readonly seeds: number;
  /** Called after every seed (the CLI prints failures as they come). */
  readonly onResult?: (result: SeedResult) => void;
}

/** The command that replays one seed exactly. */
export function replayCommand(seed: number): string {
  return `pnpm sim --seed ${seed}`;
}

/** Runs one seed: generates its scenario, runs it and checks the invariants. */
export async function runSeed(seed: number): Promise<SeedResult> {
  const scenario = generateScenario(seed);
  const began = performance.now();
  let observation: SeedObservation | undefined;
  let violations: Violation[];
  try {
    observation = await runSweepScenario(scenario);
    violations = checkInvariants(observation);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    violations = [{ invariant: 'no-simulation-error', detail: `the run threw ${message}` }];
  }
  return { seed, scenario, violations, observation, realMs: Math.round(performance.now() - began) };
}

function liveHeapBytes(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/** Runs seeds `from .. from+seeds-1` one after another (each on its own virtual time). */
export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const began = performance.now();
  const seeds = Array.from({ length: options.seeds }, (_, i) => options.from + i);
  // Chains first (a few real seconds each, once), so the heap figure counts the runs only.
  const variants = new Map(seeds.map((s) => generateScenario(s).chain).map((c) => [c.name, c]));
  for (const variant of variants.values()) await chainFor(variant);
  const beforeBytes = liveHeapBytes();
  const failed: SeedResult[] = [];
  const mix: Record<string, number> = {};
  let virtualMs = 0;
  let restartedSeeds = 0;
  let slowest: { seed: number; realMs: number } | undefined;
  for (const seed of seeds) {
    const result = await runSeed(seed);
    for (const tag of scenarioTags(result.scenario)) mix[tag] = (mix[tag] ?? 0) + 1;
    virtualMs += result.observation?.virtualMs ?? 0;
    if ((result.observation?.restarts ?? 0) > 0) restartedSeeds++;
    if (!slowest || result.realMs > slowest.realMs) slowest = { seed, realMs: result.realMs };
    if (result.violations.length > 0) failed.push(result);
    options.onResult?.(result);
  }
  return {
    from: options.from,
    seeds: seeds.length,
    passed: seeds.length - failed.length,
    failed,
    realMs: Math.round(performance.now() - began),
    virtualMs,
    mix,
    heap: { beforeBytes, afterBytes: liveHeapBytes() },
    restartedSeeds,
    slowest,
  };
}

/** A failing seed: the seed, which invariants broke and how, the scenario, the replay command. */
export function formatFailure(result: SeedResult): string {
  const broken = result.violations.map((v) => `    ${v.invariant}: ${v.detail}`).join('\n');
  return [
    `FAIL seed ${result.seed}: ${result.violations.map((v) => v.invariant).join(', ')}`,
    broken,
    `  scenario:\n  ${describeScenario(result.scenario)}`,
    `  replay: ${replayCommand(result.seed)}`,
  ].join('\n');
}

/** One line per seed for `--seed` (verbose) runs. */
export function formatSeed(result: SeedResult): string {
  const o = result.observation;
  const verdict = result.violations.length === 0 ? 'PASS' : 'FAIL';
  if (!o) return `${verdict} seed ${result.seed}: the run threw (${result.realMs} real ms)`;
  const penalized = [...new Set(o.penalties.map((p) => p.peer))].sort().join(',') || 'nobody';
  const banned = [...new Set(o.bans.map((b) => b.peer))].sort().join(',') || 'nobody';
  return (
    `${verdict} seed ${result.seed}: tip ${o.tip?.height ?? 'none'}/${o.chainTip.height} (${o.phase}), ` +
    `${o.storedBlocks} blocks stored, ${o.invalidStored.count} invalid; ${o.restarts} restarts; penalized ${penalized}; banned ${banned}; ` +
    `window high-water ${o.window.sampled ? `${o.window.highWater.ranges}/${o.window.limits?.ranges} ranges, ${o.window.highWater.heldBlocks}/${o.window.limits?.blocks} blocks held` : 'n/a (no download coordinator ran)'}; ` +
    `${o.virtualMs} virtual ms, ${result.realMs} real ms`
  );
}

export function formatSummary(s: SweepSummary): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const groups = new Map<string, string[]>();
  for (const [tag, n] of Object.entries(s.mix).sort(([a], [b]) => a.localeCompare(b))) {
    const [group, value] = tag.split(':', 2) as [string, string];
    groups.set(group, [...(groups.get(group) ?? []), `${value} ${n}`]);
  }
  const lines = [
    `sim sweep: seeds ${s.from}..${s.from + s.seeds - 1}: ${s.seeds} run, ${s.passed} passed, ${s.failed.length} failed, ` +
      `${(s.realMs / 1000).toFixed(1)} s real (${(s.virtualMs / 1000).toFixed(0)} s virtual); ` +
      `live heap ${mb(s.heap.beforeBytes)} before, ${mb(s.heap.afterBytes)} after; ` +
      `${s.restartedSeeds} seeds restarted a manager that gave up; ` +
      `slowest seed ${s.slowest ? `${s.slowest.seed} (${s.slowest.realMs} ms)` : '-'}`,
    ...[...groups].map(([group, values]) => `  ${group}: ${values.join(', ')}`),
  ];
  if (s.failed.length > 0) lines.push(`  failed seeds: ${s.failed.map((f) => f.seed).join(' ')}`);
  return lines.join('\n');
}
