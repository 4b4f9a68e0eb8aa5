import type { SeedObservation } from './sweep-run.js';

/** The invariants every seed of the sweep must keep (issue 11). */
export type InvariantName =
  | 'converges'
  | 'no-invalid-block'
  | 'honest-not-banned'
  | 'honest-not-blamed'
  | 'bounded-memory'
  | 'no-simulation-error';

export interface Violation {
  readonly invariant: InvariantName;
  readonly detail: string;
}

/**
 * What an honest peer may be penalized for: liveness faults that lossy links, partitions,
 * churn and our own requests cause (a timeout, a closed connection, `unavailable` for a
 * proof it does not keep). Any other reason, `invalid-data:*` above all (even a `low`
 * one such as `state.root`), blames it for something it did not do.
 */
export const HONEST_PENALTY_REASONS: ReadonlySet<string> = new Set([
  'request:timeout',
  'request:disconnected',
  'request:unavailable',
]);

/** Checks one seed's observation against every invariant; an empty list means it passed. */
export function checkInvariants(o: SeedObservation): Violation[] {
  const out: Violation[] = [];
  const tip = o.tip;
  if (
    !tip ||
    tip.height !== o.chainTip.height ||
    tip.hash !== o.chainTip.hash ||
    o.state.height !== o.chainTip.height ||
    o.state.root !== o.chainTip.stateRoot ||
    o.phase !== 'synced'
  ) {
    out.push({
      invariant: 'converges',
      detail:
        `tip ${tip ? `${tip.height} ${tip.hash.slice(0, 16)}` : 'none'}, state at ${o.state.height} ` +
        `${o.state.root === o.chainTip.stateRoot ? '(honest root)' : `root ${o.state.root.slice(0, 16)}`}, ` +
        `phase ${o.phase}; honest tip ${o.chainTip.height} ${o.chainTip.hash.slice(0, 16)}; ` +
        `run ended by ${o.endedBy} at ${o.virtualMs} virtual ms; phases ${o.phases.join(' → ')}`,
    });
  }
  if (o.invalidStored.count > 0) {
    out.push({
      invariant: 'no-invalid-block',
      detail: `${o.invalidStored.count} stored blocks differ from the honest chain (heights ${o.invalidStored.heights.join(', ')}${o.invalidStored.count > o.invalidStored.heights.length ? ', ...' : ''})`,
    });
  }
  const honest = new Set(o.honestIds);
  const bans = o.bans.filter((b) => honest.has(b.peer));
  if (bans.length > 0) {
    out.push({
      invariant: 'honest-not-banned',
      detail: bans.map((b) => `${b.peer} banned at ${b.atMs} ms: ${b.reason}`).join('; '),
    });
  }
  const blamed = o.penalties.filter((p) => honest.has(p.peer) && !HONEST_PENALTY_REASONS.has(p.reason));
  if (blamed.length > 0) {
    out.push({
      invariant: 'honest-not-blamed',
      detail: blamed
        .slice(0, 5)
        .map((p) => `${p.peer} ${p.level} at ${p.atMs} ms: ${p.reason}`)
        .join('; '),
    });
  }
  const w = o.window;
  if (w.sampled) {
    const problems: string[] = [];
    if (!w.limits) problems.push('no window limits');
    else {
      if (w.limits.ranges > w.configured.ranges || w.limits.blocks > w.configured.blocks)
        problems.push(
          `window limits ${w.limits.ranges} ranges / ${w.limits.blocks} blocks exceed the configured ${w.configured.ranges} / ${w.configured.blocks}`,
        );
      if (w.highWater.ranges > w.limits.ranges)
        problems.push(`${w.highWater.ranges} ranges open > ${w.limits.ranges}`);
      if (w.highWater.reservedBlocks > w.limits.blocks)
        problems.push(`${w.highWater.reservedBlocks} blocks reserved > ${w.limits.blocks}`);
      if (w.highWater.heldBlocks > w.limits.blocks)
        problems.push(`${w.highWater.heldBlocks} blocks held > ${w.limits.blocks}`);
    }
    if (problems.length > 0) out.push({ invariant: 'bounded-memory', detail: problems.join('; ') });
  }
  if (o.errors.length > 0) {
    out.push({
      invariant: 'no-simulation-error',
      detail: o.errors
        .slice(0, 3)
        .map((e) => `${e.node}: ${e.code ?? 'error'} ${e.message}`)
        .join('; '),
    });
  }
  return out;
}
