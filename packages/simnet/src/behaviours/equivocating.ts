import { toHex } from '@hotsync/core';
import { honestHandler } from '../network/handler.js';
import type { Behaviour } from './behaviour.js';
import { forgedChain } from './forgery.js';

/**
 * Gives different answers to the same request: each distinct request (method and bytes,
 * from anyone) is answered alternately as the node otherwise would and as `alternative`
 * (default `forgedChain()`) would, starting on a random side, so asking twice always gets
 * two answers. Status answers differ too (the alternative chain's tip). An alternative
 * answer is caught by the check that catches `alternative`; a mix of the two by the links
 * (`link.parent`: blocks of one chain on top of the other) or the proof's target
 * (`commit.target`: blocks of one, the proof of the other).
 */
export function equivocating(options: { readonly alternative?: Behaviour } = {}): Behaviour {
  const alternative = options.alternative ?? forgedChain();
  return {
    name: `equivocating(${alternative.name})`,
    wrap: async (inner, context) => {
      const store = alternative.source ? await alternative.source(context) : context.store;
      let other = honestHandler(store, {
        chainId: context.chainId,
        limits: context.limits,
        codecLimits: context.codecLimits,
      });
      if (alternative.wrap) other = await alternative.wrap(other, { ...context, store });
      const next = new Map<string, boolean>(); // request -> answer with the alternative next time
      return (request) => {
        const key = `${request.method} ${toHex(request.bytes)}`;
        const alternate = next.get(key) ?? context.random.float() < 0.5;
        next.set(key, !alternate);
        return alternate ? other(request) : inner(request);
      };
    },
  };
}
