import type { HotsyncNode } from '@hotsync/network';

/** What this node asked of all its peers so far (the binding's own counters). */
export function outboundTotals(node: HotsyncNode): { requests: number; bytesReceived: number } {
  let requests = 0;
  let bytesReceived = 0;
  for (const t of Object.values(node.sync.stats().outbound)) {
    requests += t.requests;
    bytesReceived += t.bytesReceived;
  }
  return { requests, bytesReceived };
}
