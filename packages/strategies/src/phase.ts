import type { SyncContext, SyncTarget } from '@hotsync/core';

export type BlockPhase = 'downloading-blocks' | 'catching-up';

/**
 * Enters the phase for downloading blocks to `target` from the local tip (DESIGN §4):
 * `catching-up` within `strategy.parallelThreshold` of it, `downloading-blocks` further
 * away (or `phase` when given). A strategy that takes over from another in the same phase
 * stays in it (catching-up cannot be re-entered). Starts the phase's progress with what is
 * left, on top of what the phase already counted.
 */
export function enterBlockPhase(
  ctx: SyncContext,
  target: SyncTarget,
  reason: string,
  phase?: BlockPhase,
): BlockPhase {
  const tip = ctx.trusted().height;
  const remaining = Math.max(0, target.height - tip);
  const name: BlockPhase =
    phase ?? (remaining <= ctx.config.strategy.parallelThreshold ? 'catching-up' : 'downloading-blocks');
  const current = ctx.phase();
  if (!(current.name === 'catching-up' && name === 'catching-up')) {
    ctx.enterPhase(
      name === 'catching-up'
        ? { name, targetHeight: target.height }
        : { name, fromHeight: tip + 1, toHeight: target.height },
      reason,
    );
  }
  const counted = ctx.progress.report().phases.find((p) => p.name === name)?.done ?? 0;
  ctx.progress.startPhase(name, counted + remaining);
  return name;
}
