import { InvalidPhaseError } from '../errors.js';
import type { PhaseTransition, SyncPhase, SyncPhaseName } from '../interfaces/sync-manager.js';
import type { Clock } from '../time/clock.js';

/** Which phase may follow which (DESIGN §4). `idle` is reachable from everywhere (stop). */
const NEXT: Readonly<Record<SyncPhaseName, readonly SyncPhaseName[]>> = {
  idle: ['discovering'],
  discovering: ['downloading-snapshot', 'downloading-blocks', 'catching-up', 'synced', 'failed', 'idle'],
  'downloading-snapshot': ['downloading-blocks', 'catching-up', 'synced', 'failed', 'idle'],
  'downloading-blocks': ['downloading-blocks', 'catching-up', 'synced', 'failed', 'idle'],
  'catching-up': ['downloading-blocks', 'synced', 'failed', 'idle'],
  synced: ['discovering', 'idle'],
  failed: ['discovering', 'idle'],
};

/** What a phase may only be entered with (its entry condition), given the local verified height. */
function entryProblem(phase: SyncPhase, localHeight: number): string | undefined {
  switch (phase.name) {
    case 'downloading-snapshot':
      return phase.snapshotHeight > localHeight
        ? undefined
        : `snapshot height ${phase.snapshotHeight} is not above the local height ${localHeight}`;
    case 'downloading-blocks':
      if (phase.fromHeight !== localHeight + 1)
        return `range must start at ${localHeight + 1}, not ${phase.fromHeight}`;
      return phase.toHeight >= phase.fromHeight
        ? undefined
        : `empty range ${phase.fromHeight}..${phase.toHeight}`;
    case 'catching-up':
      return phase.targetHeight >= localHeight
        ? undefined
        : `target ${phase.targetHeight} is below the local height`;
    case 'synced':
      return phase.height <= localHeight
        ? undefined
        : `not synced: local height ${localHeight} < ${phase.height}`;
    case 'failed':
      return phase.attempts >= 1 ? undefined : 'a failure counts at least one attempt';
    case 'idle':
    case 'discovering':
      return undefined;
  }
}

/**
 * The strict phase machine of a sync (DESIGN §4): transitions only along `NEXT`, each
 * checked against its entry condition and recorded with reason and time; actions are
 * gated by phase (`assertIn`), so a late response from an earlier phase is refused with
 * InvalidPhaseError instead of being applied.
 */
export class PhaseMachine {
  private phase: SyncPhase = { name: 'idle' };
  private readonly transitions: PhaseTransition[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly localHeight: () => number,
    private readonly onTransition: (t: PhaseTransition) => void = () => {},
    private readonly historyLimit = 1_000,
  ) {}

  current(): SyncPhase {
    return this.phase;
  }

  history(): readonly PhaseTransition[] {
    return this.transitions;
  }

  /** Moves to `next`; throws InvalidPhaseError when the transition or its entry condition is not allowed. */
  enter(next: SyncPhase, reason: string): void {
    const from = this.phase.name;
    if (!NEXT[from].includes(next.name))
      throw new InvalidPhaseError(from, `enter ${next.name}`, allowedFrom(next.name));
    const problem = entryProblem(next, this.localHeight());
    if (problem) {
      throw new InvalidPhaseError(from, `enter ${next.name} (${problem})`, allowedFrom(next.name));
    }
    this.phase = next;
    const transition: PhaseTransition = { from, to: next, reason, atMs: this.clock.now() };
    this.transitions.push(transition);
    if (this.transitions.length > this.historyLimit) this.transitions.shift();
    this.onTransition(transition);
  }

  /** Refuses `action` unless the current phase is one of `allowed`. */
  assertIn(allowed: readonly SyncPhaseName[], action: string): void {
    if (!allowed.includes(this.phase.name)) throw new InvalidPhaseError(this.phase.name, action, allowed);
  }

  is(...names: readonly SyncPhaseName[]): boolean {
    return names.includes(this.phase.name);
  }
}

function allowedFrom(target: SyncPhaseName): SyncPhaseName[] {
  return (Object.keys(NEXT) as SyncPhaseName[]).filter((from) => NEXT[from].includes(target));
}
