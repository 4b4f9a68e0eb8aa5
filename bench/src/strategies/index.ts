import type { SyncStrategy } from '@hotsync/core';
import { fastStrategy, incrementalStrategy, parallelStrategy } from '@hotsync/strategies';
import type { SectionClock } from '../instrument/section-clock.js';
import type { SyncPlan } from '../ipc/tasks.js';
import { perBlockStrategy } from './per-block.js';
import { singlePeerStrategy } from './single-peer.js';

/** The one strategy a row registers (its name goes into `strategy.default`). */
export function strategyFor(plan: SyncPlan, clock: SectionClock): SyncStrategy {
  switch (plan.strategy) {
    case 'parallel':
      return parallelStrategy();
    case 'incremental':
      return incrementalStrategy();
    case 'per-block':
      return perBlockStrategy({ clock });
    case 'single-peer':
      return singlePeerStrategy();
    case 'fast':
      return fastStrategy();
  }
}
