import { describe, expect, it } from 'vitest';
import { InvalidPhaseError } from '../errors.js';
import { ManualClock } from '../time/manual-clock.js';
import { PhaseMachine } from './phase-machine.js';

function machine(localHeight = 10) {
  const clock = new ManualClock(1_000);
  let height = localHeight;
  const seen: string[] = [];
  const phases = new PhaseMachine(
    clock,
    () => height,
    (t) => seen.push(`${t.from}->${t.to.name}`),
  );
  return { clock, phases, seen, setHeight: (h: number) => (height = h) };
}

describe('PhaseMachine', () => {
  it('follows Idle → Discovering → DownloadingSnapshot → DownloadingBlocks → CatchingUp → Synced, recording reasons and times', () => {
    const { clock, phases, seen, setHeight } = machine(0);
    phases.enter({ name: 'discovering' }, 'start');
    clock.advance(5);
    phases.enter({ name: 'downloading-snapshot', snapshotHeight: 800 }, 'far behind');
    setHeight(800);
    phases.enter({ name: 'downloading-blocks', fromHeight: 801, toHeight: 1_000 }, 'snapshot imported');
    setHeight(990);
    phases.enter({ name: 'catching-up', targetHeight: 1_000 }, 'near the tip');
    setHeight(1_000);
    phases.enter({ name: 'synced', height: 1_000 }, 'reached');
    expect(seen).toEqual([
      'idle->discovering',
      'discovering->downloading-snapshot',
      'downloading-snapshot->downloading-blocks',
      'downloading-blocks->catching-up',
      'catching-up->synced',
    ]);
    const history = phases.history();
    expect(history.map((t) => t.reason)).toEqual([
      'start',
      'far behind',
      'snapshot imported',
      'near the tip',
      'reached',
    ]);
    expect(history[0]!.atMs).toBe(1_000);
    expect(history[1]!.atMs).toBe(1_005);
  });

  it('refuses transitions the design does not allow', () => {
    const { phases } = machine();
    expect(() => phases.enter({ name: 'synced', height: 10 }, 'skip')).toThrow(InvalidPhaseError);
    phases.enter({ name: 'discovering' }, 'start');
    phases.enter({ name: 'catching-up', targetHeight: 20 }, 'close');
    expect(() => phases.enter({ name: 'downloading-snapshot', snapshotHeight: 50 }, 'back')).toThrow(
      InvalidPhaseError,
    );
    expect(phases.current().name).toBe('catching-up');
  });

  it('checks entry conditions', () => {
    const { phases } = machine(10);
    phases.enter({ name: 'discovering' }, 'start');
    const code = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return (err as InvalidPhaseError).code;
      }
      return 'none';
    };
    expect(code(() => phases.enter({ name: 'downloading-snapshot', snapshotHeight: 10 }, 'x'))).toBe(
      'phase.invalid',
    );
    expect(
      code(() => phases.enter({ name: 'downloading-blocks', fromHeight: 12, toHeight: 20 }, 'gap')),
    ).toBe('phase.invalid');
    expect(code(() => phases.enter({ name: 'synced', height: 11 }, 'not yet'))).toBe('phase.invalid');
    expect(
      code(() => phases.enter({ name: 'failed', reason: 'x', lastGoodHeight: 10, attempts: 0 }, 'x')),
    ).toBe('phase.invalid');
    phases.enter({ name: 'synced', height: 10 }, 'already there');
    expect(phases.current()).toEqual({ name: 'synced', height: 10 });
  });

  it('gates actions by phase and names the allowed phases', () => {
    const { phases } = machine();
    phases.enter({ name: 'discovering' }, 'start');
    phases.enter({ name: 'downloading-snapshot', snapshotHeight: 50 }, 'far');
    expect(() => phases.assertIn(['downloading-blocks', 'catching-up'], 'commit a verified range')).toThrow(
      /commit a verified range is not allowed in phase downloading-snapshot \(allowed in: downloading-blocks, catching-up\)/,
    );
    expect(() => phases.assertIn(['downloading-snapshot'], 'import a chunk')).not.toThrow();
  });

  it('reaches idle from every phase (stop) and discovering again from failed and synced', () => {
    const { phases } = machine();
    phases.enter({ name: 'discovering' }, 'start');
    phases.enter({ name: 'failed', reason: 'no peers', lastGoodHeight: 10, attempts: 1 }, 'attempt 1');
    phases.enter({ name: 'discovering' }, 'retry');
    phases.enter({ name: 'synced', height: 10 }, 'done');
    phases.enter({ name: 'discovering' }, 'again');
    phases.enter({ name: 'idle' }, 'stopped');
    expect(phases.is('idle')).toBe(true);
  });
});
