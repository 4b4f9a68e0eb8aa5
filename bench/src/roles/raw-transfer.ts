import { StreamReader } from '@hotsync/network';
import { BenchError } from '../errors.js';
import { SectionClock } from '../instrument/section-clock.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { RawTransferResult, RawTransferTask, ServerAddress } from '../ipc/tasks.js';
import { BULK_PROTOCOL, type BulkRequest, encodeBulkRequest } from '../node/bulk-protocol.js';
import { type SyncingNode, startSyncingNode } from '../node/syncing-node.js';
import { median } from '../stats.js';

/**
 * The transfer limit: the chain's own block bytes pulled over plain libp2p streams (TCP +
 * noise + yamux, 64 KiB writes, one stream per server, no request per range), into a
 * process built like the syncing node. Once from one server, then from every server at once
 * (each sends its share of the heights, `task.bytes` in all, going round its share again
 * when the chain is shorter): the second is the ceiling a sync from all servers can reach,
 * and is taken as the limit.
 */
export async function rawTransfer(task: RawTransferTask, io: ChildIo): Promise<RawTransferResult> {
  const parts = await startSyncingNode({
    meta: task.meta,
    servers: task.servers,
    dataDir: task.dataDir,
    clock: new SectionClock(),
    config: {},
  });
  try {
    const tip = task.meta.tipHeight;
    // Warm-up: connections and streams negotiated, JIT warmed.
    await pull(parts, task.servers[0]!, { from: 1, to: tip, bytes: Math.min(task.bytes / 8, 4e6) });
    let t = performance.now();
    const one = await pull(parts, task.servers[0]!, { from: 1, to: tip, bytes: task.bytes });
    const oneStreamMBps = one / 1e6 / ((performance.now() - t) / 1000);
    const rates: number[] = [];
    let bytes = 0;
    for (let r = 0; r < task.repetitions; r++) {
      const n = task.servers.length;
      t = performance.now();
      const pulls = task.servers.map((server, i) => {
        const from = Math.floor((i * tip) / n) + 1;
        const to = Math.floor(((i + 1) * tip) / n);
        return pull(parts, server, { from, to, bytes: task.bytes / n });
      });
      bytes = (await Promise.all(pulls)).reduce((a, b) => a + b, 0);
      rates.push(bytes / 1e6 / ((performance.now() - t) / 1000));
    }
    io.log(`one stream ${oneStreamMBps.toFixed(0)} MB/s, all servers ${median(rates).toFixed(0)} MB/s`);
    return { bytes, oneStreamMBps, allServersMBps: median(rates) };
  } finally {
    await parts.close();
  }
}

async function pull(parts: SyncingNode, server: ServerAddress, request: BulkRequest): Promise<number> {
  const connection = parts.node.libp2p
    .getConnections()
    .find((c) => c.remotePeer.toString() === server.peerId);
  if (!connection) throw new BenchError('bench.sync-failed', `not connected to ${server.peerId}`);
  const stream = await parts.node.libp2p.dialProtocol(connection.remotePeer, BULK_PROTOCOL);
  const reader = new StreamReader(stream, { highWaterMark: 1 << 20 });
  stream.send(encodeBulkRequest(request));
  await stream.close();
  let received = 0;
  for (let piece = await reader.read(); piece; piece = await reader.read()) received += piece.length;
  reader.dispose();
  return received;
}
