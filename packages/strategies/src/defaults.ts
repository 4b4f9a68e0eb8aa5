import type { SyncStrategy } from '@hotsync/core';
import { type AdaptiveOptions, adaptiveStrategy } from './adaptive/adaptive.js';
import { fastStrategy } from './fast/fast.js';
import { incrementalStrategy } from './incremental.js';
import { parallelStrategy } from './parallel.js';

/** The four shipped strategies, fresh instances, configured alike (register them with a SyncManager). */
export function defaultStrategies(options: AdaptiveOptions = {}): SyncStrategy[] {
  return [
    incrementalStrategy(options.incremental),
    parallelStrategy(options.parallel),
    fastStrategy(options.fast),
    adaptiveStrategy(options),
  ];
}
