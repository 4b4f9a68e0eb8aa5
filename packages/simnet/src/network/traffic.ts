import type { PeerId, RequestFailureKind } from '@hotsync/core';

/** What one node exchanged with one peer, as client and as server. */
export interface PeerTraffic {
  /** Requests this node made of the peer (those refused before sending too): ok + failures + in flight. */
  requestsSent: number;
  /** ...of which were answered with an ok response. */
  responsesOk: number;
  /** ...and how the others failed. */
  failures: Partial<Record<RequestFailureKind, number>>;
  /** Requests from the peer that reached this node. */
  requestsServed: number;
  /** Bytes this node put on the link towards the peer (requests and responses, lost ones too). */
  bytesSent: number;
  /** Bytes that arrived from the peer. */
  bytesReceived: number;
}

export function emptyTraffic(): PeerTraffic {
  return { requestsSent: 0, responsesOk: 0, failures: {}, requestsServed: 0, bytesSent: 0, bytesReceived: 0 };
}

/** Per-peer counters of one node, kept in the order peers were first seen. */
export class TrafficBook {
  private readonly byPeer = new Map<PeerId, PeerTraffic>();

  of(peer: PeerId): PeerTraffic {
    let t = this.byPeer.get(peer);
    if (!t) {
      t = emptyTraffic();
      this.byPeer.set(peer, t);
    }
    return t;
  }

  recordFailure(peer: PeerId, kind: RequestFailureKind): void {
    const f = this.of(peer).failures;
    f[kind] = (f[kind] ?? 0) + 1;
  }

  /** A deep copy, keyed by peer. */
  snapshot(): Record<PeerId, PeerTraffic> {
    const out: Record<PeerId, PeerTraffic> = {};
    for (const [peer, t] of this.byPeer) out[peer] = { ...t, failures: { ...t.failures } };
    return out;
  }

  totals(): PeerTraffic {
    const total = emptyTraffic();
    for (const t of this.byPeer.values()) {
      total.requestsSent += t.requestsSent;
      total.responsesOk += t.responsesOk;
      total.requestsServed += t.requestsServed;
      total.bytesSent += t.bytesSent;
      total.bytesReceived += t.bytesReceived;
      for (const [kind, n] of Object.entries(t.failures) as [RequestFailureKind, number][]) {
        total.failures[kind] = (total.failures[kind] ?? 0) + n;
      }
    }
    return total;
  }
}
