import v8 from 'node:v8';
import vm from 'node:vm';
import { DecodeError, HotsyncError } from '@hotsync/core';
import { emptyKindCounts, type FuzzInput, type FuzzKind } from './fuzz-inputs.js';

/**
 * What one fuzz target did with its inputs: each input must end as a valid decode or a
 * typed error (a `HotsyncError` with a code); anything else is rethrown, so fast-check
 * reports it with its seed and the shrunk input. Also tracks the time per call (a hang
 * bound, not a speed assertion) and the bytes allocated by inputs whose length fields
 * claim far more than they carry.
 */
export class TargetTally {
  runs = 0;
  /** Calls that returned (a decode, an answer) rather than threw a typed error. */
  returned = 0;
  readonly codes = new Map<string, number>();
  readonly kinds: Record<FuzzKind, number> = emptyKindCounts();
  maxCallMs = 0;
  /** Largest growth of `arrayBuffers` across one call fed a huge claimed length. */
  maxHugeGrowthBytes = 0;

  constructor(
    readonly method: string,
    readonly target: string,
  ) {}

  typed(code: string): void {
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  summary(): string {
    const codes = [...this.codes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c}×${n}`)
      .join(' ');
    return `${this.method.padEnd(18)} ${this.target.padEnd(17)} runs ${String(this.runs).padStart(6)}  returned ${String(this.returned).padStart(5)}  max call ${this.maxCallMs.toFixed(1)} ms  huge-length growth ≤ ${this.maxHugeGrowthBytes} B  ${codes}`;
  }
}

/** Bytes a call fed a huge claimed length may allocate beyond its own input (views, small objects). */
export const HUGE_ALLOWANCE_BYTES = 256 * 1024;
/** A call that has not returned by now is a hang, whatever the machine's load. */
export const HANG_BOUND_MS = 5_000;

/**
 * Runs `fn` on `input`: a typed error is counted, an untyped throw propagates (a crash), a
 * huge claimed length must not make it allocate in proportion to the claim.
 */
export function judged<T>(
  tally: TargetTally,
  input: FuzzInput,
  fn: () => T,
  outputBytes: (value: T) => number = () => 0,
): T | undefined {
  tally.runs++;
  tally.kinds[input.kind]++;
  const before = input.kind === 'huge-length' ? process.memoryUsage().arrayBuffers : 0;
  const started = performance.now();
  let value: T | undefined;
  try {
    value = fn();
    tally.returned++;
  } catch (err) {
    if (!(err instanceof HotsyncError)) throw err;
    tally.typed(err.code);
  }
  afterCall(tally, input, started, before, value === undefined ? 0 : outputBytes(value));
  return value;
}

/** `judged` for async targets. */
export async function judgedAsync<T>(
  tally: TargetTally,
  input: FuzzInput,
  fn: () => Promise<T>,
  outputBytes: (value: T) => number = () => 0,
): Promise<T | undefined> {
  tally.runs++;
  tally.kinds[input.kind]++;
  const before = input.kind === 'huge-length' ? process.memoryUsage().arrayBuffers : 0;
  const started = performance.now();
  let value: T | undefined;
  try {
    value = await fn();
    tally.returned++;
  } catch (err) {
    if (!(err instanceof HotsyncError)) throw err;
    tally.typed(err.code);
  }
  afterCall(tally, input, started, before, value === undefined ? 0 : outputBytes(value));
  return value;
}

/** `output`: bytes of what the target legitimately produced (a served answer), not held against it. */
function afterCall(
  tally: TargetTally,
  input: FuzzInput,
  started: number,
  before: number,
  output: number,
): void {
  const ms = performance.now() - started;
  tally.maxCallMs = Math.max(tally.maxCallMs, ms);
  if (ms > HANG_BOUND_MS) throw new Error(`${tally.target} of ${tally.method} took ${ms.toFixed(0)} ms`);
  if (input.kind !== 'huge-length') return;
  const grew = Math.max(0, process.memoryUsage().arrayBuffers - before - input.bytes.length - output);
  tally.maxHugeGrowthBytes = Math.max(tally.maxHugeGrowthBytes, grew);
  if (grew > HUGE_ALLOWANCE_BYTES) {
    throw new Error(
      `${tally.target} of ${tally.method} allocated ${grew} bytes beyond its ${output}-byte answer for a ${input.bytes.length}-byte input claiming ${input.claimed}`,
    );
  }
}

/** A DecodeError's code, or a failure naming what else was thrown. */
export function decodeCode(err: unknown): string {
  if (err instanceof DecodeError) return err.code;
  throw err;
}

let collect: (() => void) | undefined;
/** Heap and ArrayBuffer bytes in use after a full collection. */
export function settledMemory(): number {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
