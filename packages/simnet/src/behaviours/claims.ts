import { decodeStatusMessage, encodeReply } from '@hotsync/core';
import { SimnetError } from '../errors.js';
import type { Behaviour } from './behaviour.js';

/**
 * Claims a height `extraBlocks` above its real tip (with a made-up hash) in every status
 * answer, and otherwise serves what it has: blocks above its real tip come back empty, and
 * it has no commit proof for the claimed height (`unavailable`). Only a height backed by a
 * verified commit proof should count.
 */
export function lyingHeight(options: { readonly extraBlocks?: number } = {}): Behaviour {
  const extra = options.extraBlocks ?? 1_000_000;
  if (!Number.isSafeInteger(extra) || extra < 1) {
    throw new SimnetError('simnet.invalid-option', `extraBlocks must be a positive integer, got ${extra}`);
  }
  return {
    name: `lying-height(+${extra})`,
    wrap:
      (inner, { random }) =>
      async (request) => {
        const reply = await inner(request);
        if (request.method !== 'status' || reply.kind !== 'chunks') return reply;
        const [chunk] = reply.chunks;
        if (chunk?.code !== 'ok') return reply;
        const { chainId, status } = decodeStatusMessage(chunk.payload);
        const claimed = {
          ...status,
          height: status.height + extra,
          view: status.view + extra,
          blockHash: random.bytes(32),
        };
        return { ...reply, chunks: encodeReply('status', { chainId, status: claimed }) };
      },
  };
}
