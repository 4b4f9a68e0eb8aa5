import type { PeerId, PeerSummary } from '@hotsync/core';

/**
 * The heights one peer can serve whole: from the oldest block it keeps (its status'
 * `earliestHeight`: pruned peers serve a suffix) to its proven height (capped by its
 * current claim, as peer selection does). A range must lie inside one peer's coverage.
 */
export interface PeerCoverage {
  readonly peer: PeerId;
  readonly from: number;
  readonly to: number;
}

/** Heights no peer serves. */
export interface CoverageGap {
  readonly from: number;
  readonly to: number;
}

/**
 * The coverage of every unbanned peer that proved a height. Disconnected peers count: a
 * peer away for a while still holds its blocks (dispatch waits for it, the watchdog ends
 * a wait that lasts), whereas heights nobody holds will not come by waiting.
 */
export function peerCoverage(summaries: readonly PeerSummary[]): PeerCoverage[] {
  const out: PeerCoverage[] = [];
  for (const p of summaries) {
    if (p.banned || p.provenHeight <= 0) continue;
    const to = Math.min(p.provenHeight, p.status?.height ?? p.provenHeight);
    const from = p.status?.earliestHeight ?? 0;
    if (from <= to) out.push({ peer: p.peer, from, to });
  }
  return out;
}

/** Peers whose coverage holds all of `from..to`. */
export function peersServing(coverage: readonly PeerCoverage[], from: number, to: number): PeerCoverage[] {
  return coverage.filter((c) => c.from <= from && c.to >= to);
}

/**
 * The highest height `h` such that one peer serves all of `from..h`: where a range from
 * `from` must end (and the next one start) so that somebody can serve it. Undefined when
 * no peer holds `from`.
 */
export function servableEnd(coverage: readonly PeerCoverage[], from: number): number | undefined {
  let end: number | undefined;
  for (const c of coverage) {
    if (c.from <= from && c.to >= from && (end === undefined || c.to > end)) end = c.to;
  }
  return end;
}

/**
 * The heights from `from` (up to `target`) that no peer holds: up to the lowest height
 * above `from` that some peer serves. Undefined when a peer holds `from`.
 */
export function gapAt(
  coverage: readonly PeerCoverage[],
  from: number,
  target: number,
): CoverageGap | undefined {
  if (servableEnd(coverage, from) !== undefined) return undefined;
  let to = target;
  for (const c of coverage) {
    if (c.from > from) to = Math.min(to, c.from - 1);
  }
  return { from, to };
}

/** How a gap is reported (the reason of an incomplete run). */
export function describeGap(gap: CoverageGap, coverage: readonly PeerCoverage[]): string {
  const held = coverage.map((c) => `${c.peer} ${c.from}..${c.to}`).join(', ');
  return `no peer has heights ${gap.from}..${gap.to} (peers hold ${held || 'nothing'})`;
}
