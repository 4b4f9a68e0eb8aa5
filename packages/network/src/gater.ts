import type { PeerId as HotsyncPeerId } from '@hotsync/core';
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';

/** What the gater asks of the peer manager: a synchronous ban lookup (persisted bans, loaded at construction). */
export interface BanCheck {
  isBanned(peer: HotsyncPeerId): boolean;
}

/** The peer id a multiaddr names in its `/p2p/<id>` part, if any. */
function peerIdOf(multiaddr: Multiaddr): string | undefined {
  let id: string | undefined;
  for (const component of multiaddr.getComponents()) {
    if (component.name === 'p2p' && component.value !== undefined) id = component.value;
  }
  return id;
}

/**
 * A libp2p connection gater that refuses banned peers both ways (DESIGN §6): dials to them
 * are never attempted, and a connection in either direction is dropped right after the
 * noise handshake, the first point where the remote's identity is proven, and checked once
 * more once upgraded (a ban may land during the upgrade). `isBanned` reads the peer
 * manager's ban list, which it reloads from the store at construction, so bans survive a
 * restart. Rules of an `inner` gater still apply: a connection is denied when either says so.
 *
 * Pass it as `createLibp2p({ connectionGater: hotsyncConnectionGater(peers) })`: libp2p
 * takes the gater from its config, a service cannot install one.
 */
export function hotsyncConnectionGater(bans: BanCheck, inner: ConnectionGater = {}): ConnectionGater {
  const banned = (peer: PeerId): boolean => bans.isBanned(peer.toString());
  return {
    ...inner,
    denyDialPeer: async (peer) => banned(peer) || ((await inner.denyDialPeer?.(peer)) ?? false),
    denyDialMultiaddr: async (multiaddr) => {
      const id = peerIdOf(multiaddr);
      if (id !== undefined && bans.isBanned(id)) return true;
      return (await inner.denyDialMultiaddr?.(multiaddr)) ?? false;
    },
    denyInboundEncryptedConnection: async (peer, conn) =>
      banned(peer) || ((await inner.denyInboundEncryptedConnection?.(peer, conn)) ?? false),
    denyOutboundEncryptedConnection: async (peer, conn) =>
      banned(peer) || ((await inner.denyOutboundEncryptedConnection?.(peer, conn)) ?? false),
    denyInboundUpgradedConnection: async (peer, conn) =>
      banned(peer) || ((await inner.denyInboundUpgradedConnection?.(peer, conn)) ?? false),
    denyOutboundUpgradedConnection: async (peer, conn) =>
      banned(peer) || ((await inner.denyOutboundUpgradedConnection?.(peer, conn)) ?? false),
  };
}
