import { openLmdbChainStore } from '@hotsync/core';
import type { ChildIo } from '../ipc/child-io.js';
import type { ServeResult, ServeTask } from '../ipc/tasks.js';
import { startServerNode } from '../node/server-node.js';

/**
 * A serving node in its own process: the cached chain's LMDB environment (opened by every
 * server at once; nobody writes to it), the seven sync protocols, and the bulk protocol.
 * Serves until the bench says stop.
 */
export async function serve(task: ServeTask, io: ChildIo): Promise<ServeResult> {
  const store = await openLmdbChainStore({ path: task.meta.chainPath, noSync: true });
  const { node, address } = await startServerNode(task.meta, store, process.pid);
  io.ready(address);
  await io.signal('stop');
  const { inbound } = node.sync.stats();
  await node.stop();
  await store.close();
  return {
    requestsServed: Object.values(inbound.served).reduce((a, b) => a + b, 0),
    bytesSent: inbound.bytesSent,
    rateLimited: inbound.rateLimited,
  };
}
