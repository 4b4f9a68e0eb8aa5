import {
  type ChainStore,
  fromHex,
  parseSyncConfig,
  SeededRandom,
  systemClock,
  WIRE_METHODS,
  type WireMethod,
} from '@hotsync/core';
import { createHotsyncNode, type HotsyncNode, type RateQuota } from '@hotsync/network';
import { createPeerManager } from '@hotsync/peers';
import type { ChainMeta } from '../ipc/chain-meta.js';
import type { ServerAddress } from '../ipc/tasks.js';
import { handleBulk } from './bulk-protocol.js';

/**
 * Inbound quotas and concurrency caps far above what any row asks: a row measures a sync
 * approach, not a server's policy (the per-block baseline makes hundreds of requests per
 * second per peer, which the default quotas would rightly throttle).
 */
const UNTHROTTLED: RateQuota = { perSecond: 1_000_000, burst: 1_000_000 };
const RATE_LIMITS = Object.fromEntries(WIRE_METHODS.map((m) => [m, UNTHROTTLED])) as Record<
  WireMethod,
  RateQuota
>;

/** A serving node on 127.0.0.1 (free port), answering from `store`, with the bulk protocol. */
export async function startServerNode(
  meta: ChainMeta,
  store: ChainStore,
  seed: number,
): Promise<{ node: HotsyncNode; address: ServerAddress }> {
  const config = parseSyncConfig({});
  const peers = createPeerManager({ config, clock: systemClock, random: new SeededRandom(seed) });
  const node = await createHotsyncNode({
    chainId: fromHex(meta.chainIdHex),
    store,
    peers,
    config,
    rateLimits: RATE_LIMITS,
    maxConcurrentInboundPerPeer: 64,
    maxInboundStreamsPerProtocol: 128,
  });
  await handleBulk(node, store);
  return { node, address: { peerId: node.peerId, addr: node.multiaddrs()[0]!.toString() } };
}
