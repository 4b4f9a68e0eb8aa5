export { type Behaviour, type BehaviourContext, buildHandler } from './behaviour.js';
export { lyingHeight } from './claims.js';
export { equivocating } from './equivocating.js';
export {
  type ForgedChainOptions,
  forgedChain,
  forgerSets,
  invalidSignatures,
  uncommittedFork,
} from './forgery.js';
export {
  type GarbageOptions,
  garbage,
  type OversizedOptions,
  oversized,
  type TruncatedOptions,
  truncated,
} from './malformed.js';
export { type FlakyFailure, type FlakyOptions, flaky, slow, withholding } from './timing.js';

import type { Behaviour } from './behaviour.js';

/** Serves the protocol as written (the same as no behaviour at all). */
export function honest(): Behaviour {
  return { name: 'honest' };
}
