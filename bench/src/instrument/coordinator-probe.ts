import { DownloadCoordinator } from '@hotsync/strategies';
import { BenchError } from '../errors.js';
import type { Section, SectionClock } from './section-clock.js';

/**
 * The download coordinator's scheduling round, method by method: planning ranges into the
 * window, dispatching them to peers, hedging the range that holds up the pipeline, and
 * moving ranges through verification and storage. The coordinator exposes no timing of its
 * own, so the bench wraps these (private) methods on its prototype, in the syncing process
 * only. If they are renamed the probe refuses to run rather than report a zero.
 */
export const SCHEDULING_METHODS = ['plan', 'dispatch', 'hedge', 'process'] as const;

/**
 * Called from `process`, they start a range's verification and its commit: whatever of
 * that work runs before its first `await` (decoding, executing, hashing) is the work
 * itself, not coordination, so it is charged to `other` (sections nest: the innermost wins).
 */
export const WORK_METHODS = ['verify', 'commit'] as const;

type Method = (this: unknown, ...args: unknown[]) => unknown;

export function probeCoordinator(clock: SectionClock): void {
  const proto = DownloadCoordinator.prototype as unknown as Record<string, unknown>;
  const sections: [string, Section][] = [
    ...SCHEDULING_METHODS.map((m): [string, Section] => [m, 'coordination']),
    ...WORK_METHODS.map((m): [string, Section] => [m, 'other']),
  ];
  for (const [name, section] of sections) {
    const original = proto[name];
    if (typeof original !== 'function') {
      throw new BenchError(
        'bench.probe',
        `DownloadCoordinator.${name} is gone: update the coordination probe`,
      );
    }
    const method = original as Method;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      return clock.run(section, () => method.apply(this, args));
    };
  }
}
