import {
  type Behaviour,
  equivocating,
  forgedChain,
  garbage,
  invalidSignatures,
  lyingHeight,
  oversized,
  truncated,
  uncommittedFork,
  withholding,
} from '@hotsync/simnet';

/**
 * The Byzantine behaviours of issue 11's matrix, by row name. Each is built fresh per
 * peer (behaviours hold per-node state such as an equivocator's alternation).
 *
 * - `slow` answers everything but status later than the first-byte deadline (`slowMs`): slow
 *   enough to be a fault, not merely a slow but useful peer, and quick to look alive.
 * - Forgeries start inside the range still to sync, so they are caught while syncing, not
 *   only while the peer proves its height.
 */
export function byzantineBehaviours(options: {
  readonly forgeFrom: number;
  readonly slowMs: number;
}): Readonly<Record<string, () => Behaviour[]>> {
  return {
    'lying-height': () => [lyingHeight({ extraBlocks: 1_000_000 })],
    // Answers status and proofs (so its height is proven and it is chosen), never blocks.
    withholding: () => [withholding({ methods: ['blocks_by_range'] })],
    'invalid-signatures': () => [invalidSignatures({ fromHeight: options.forgeFrom })],
    'forged-chain': () => [forgedChain({ fromHeight: options.forgeFrom })],
    'uncommitted-fork': () => [uncommittedFork()],
    garbage: () => [garbage()],
    oversized: () => [oversized()],
    truncated: () => [truncated({ mode: 'cut-stream' })],
    equivocating: () => [equivocating()],
    slow: () => [slowData(options.slowMs)],
  };
}

/** Nine Byzantine peers covering every behaviour: the tenth (slow) rides on the liar. */
export function mixedBehaviours(all: Readonly<Record<string, () => Behaviour[]>>): Behaviour[][] {
  const names = Object.keys(all).filter((n) => n !== 'slow' && n !== 'lying-height');
  return [[...all['lying-height']!(), ...all.slow!()], ...names.map((n) => all[n]!())];
}

/** Answers status at once (so it looks like a good peer), everything else `ms` late. */
function slowData(ms: number): Behaviour {
  return {
    name: `slow(${ms})`,
    wrap: (inner) => async (request) => {
      const reply = await inner(request);
      if (request.method === 'status' || reply.kind === 'silent') return reply;
      return { ...reply, delayMs: (reply.delayMs ?? 0) + ms };
    },
  };
}
