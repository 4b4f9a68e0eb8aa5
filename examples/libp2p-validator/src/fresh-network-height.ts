import type { NetworkHeightEstimate, PeerManager } from '@hotsync/core';
import type { DefaultPeerManager, NetworkHeightReport } from '@hotsync/peers';

/**
 * The coordinator's view of the network height, kept fresh. The peer manager's estimate
 * prefers heights proven during the last sync's discovery, and nothing refreshes them while
 * the node takes part in consensus: some blocks after a sync, the proven median lags the
 * chain, the coordinator sees the node "ahead of the network" (a false possible-fork alarm)
 * and would never notice falling behind again. With claims allowed (the coordinator's call),
 * this takes the claims' median when it is higher: no minority of peers can move a median,
 * and the sync itself proves every height before a block is accepted. (A workaround of the
 * example; the report to the library is in README.md.)
 */
export function withFreshNetworkHeight(peers: DefaultPeerManager): PeerManager {
  const networkHeight = (options?: { readonly allowUnproven?: boolean }): NetworkHeightEstimate => {
    const report: NetworkHeightReport = peers.networkHeight(options);
    if (!options?.allowUnproven || report.claimedMedian === undefined) return report;
    if (report.height !== undefined && report.height >= report.claimedMedian) return report;
    return { ...report, height: report.claimedMedian, basis: report.claimants, proven: false };
  };
  return new Proxy(peers, {
    get(target, property) {
      if (property === 'networkHeight') return networkHeight;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
