import type { ChainStore, Clock, CodecLimits, PeerId, Random, WireLimits } from '@hotsync/core';
import type { SimChain } from '../chain/sim-chain.js';
import { honestHandler, type RequestHandler } from '../network/handler.js';

/** What a behaviour may use to build its part of a node. */
export interface BehaviourContext {
  readonly node: PeerId;
  /** The store served so far: the node's own, or what an earlier `source` behaviour made of it. */
  readonly store: ChainStore;
  /** The generated chain the node serves, if any (fork blocks, validator keys). */
  readonly chain: SimChain | undefined;
  readonly chainId: Uint8Array;
  readonly clock: Clock;
  /** This behaviour's own random stream (seeded from the simulation, the node and its position). */
  readonly random: Random;
  /** The node's wire limits (a well-behaved server never exceeds them). */
  readonly limits: WireLimits;
  readonly codecLimits: CodecLimits;
}

/**
 * A way a serving node departs from (or keeps to) the protocol. Behaviours compose in list
 * order: every `source` replaces the data served (a forged or forked chain), then every
 * `wrap` wraps the handler built so far, so `[forgedChain(), slow(200), flaky(0.3)]` is a
 * forger that answers slowly and sometimes not at all.
 */
export interface Behaviour {
  readonly name: string;
  source?(context: BehaviourContext): Promise<ChainStore>;
  wrap?(inner: RequestHandler, context: BehaviourContext): RequestHandler | Promise<RequestHandler>;
}

/** Builds a node's handler: honest answers from the store that the behaviours' sources leave, wrapped by their wraps. */
export async function buildHandler(
  behaviours: readonly Behaviour[],
  base: Omit<BehaviourContext, 'random'>,
  randomFor: (index: number, behaviour: Behaviour) => Random,
): Promise<RequestHandler> {
  let store = base.store;
  for (const [i, b] of behaviours.entries()) {
    if (b.source) store = await b.source({ ...base, store, random: randomFor(i, b) });
  }
  let handler = honestHandler(store, {
    chainId: base.chainId,
    limits: base.limits,
    codecLimits: base.codecLimits,
  });
  for (const [i, b] of behaviours.entries()) {
    if (b.wrap) handler = await b.wrap(handler, { ...base, store, random: randomFor(i, b) });
  }
  return handler;
}

/** Data derived once per chain when the node serves a generated chain, else once per node. */
export function deriveOnce(
  context: BehaviourContext,
  key: string,
  build: () => Promise<ChainStore>,
): Promise<ChainStore> {
  // A derived store depends on what it is derived from: only the chain's own store is shared.
  return context.chain && context.store === context.chain.store ? context.chain.derive(key, build) : build();
}
