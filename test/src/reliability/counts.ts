/**
 * How much each reliability test runs. CI (the default `vitest run`) runs the short
 * counts; `HOTSYNC_FULL=1` runs the full counts. Single counts can be overridden
 * (e.g. `HOTSYNC_FUZZ_INPUTS=5000`), and the value actually run is printed by each test.
 */
export interface ReliabilityCounts {
  /** Generated inputs per protocol and per target (request decoder, handler, response decoder). */
  readonly fuzzInputs: number;
  /** Inputs per protocol sent over real libp2p streams (server handler and client). */
  readonly fuzzWireInputs: number;
  /** SIGKILLs of the syncing process in the crash torture. */
  readonly kills: number;
  /** Seeds of the simulation sweep run inside vitest. */
  readonly sweepSeeds: number;
  /** Byzantine matrix over libp2p: every behaviour alone (full), or only the mix (CI). */
  readonly libp2pEveryBehaviour: boolean;
}

export const FULL = process.env.HOTSYNC_FULL === '1';

function count(name: string, ci: number, full: number): number {
  const raw = process.env[name];
  if (raw !== undefined) {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`${name} must be a non-negative integer, got ${raw}`);
    return n;
  }
  return FULL ? full : ci;
}

export const COUNTS: ReliabilityCounts = {
  fuzzInputs: count('HOTSYNC_FUZZ_INPUTS', 2_000, 100_000),
  fuzzWireInputs: count('HOTSYNC_FUZZ_WIRE_INPUTS', 60, 2_000),
  kills: count('HOTSYNC_KILLS', 10, 50),
  sweepSeeds: count('HOTSYNC_SEEDS', 200, 1_000),
  libp2pEveryBehaviour: FULL,
};
