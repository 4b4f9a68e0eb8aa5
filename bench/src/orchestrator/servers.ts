import type { ChainMeta } from '../ipc/chain-meta.js';
import type { ServeResult, ServerAddress } from '../ipc/tasks.js';
import type { ChildHandle, Children } from './children.js';

export interface RunningServers {
  readonly addresses: readonly ServerAddress[];
  stop(): Promise<ServeResult[]>;
}

/** How long a server process may live: it is stopped explicitly long before. */
const SERVER_LIFETIME_MS = 60 * 60_000;

/** `count` serving processes for `meta`'s chain, each one libp2p node on 127.0.0.1. */
export async function startServers(
  children: Children,
  meta: ChainMeta,
  count: number,
  log: (line: string) => void,
): Promise<RunningServers> {
  const handles: ChildHandle<'serve'>[] = Array.from({ length: count }, (_, i) =>
    children.start<'serve'>(
      { role: 'serve', meta },
      { label: `server ${i + 1} (${meta.params.purpose})`, timeoutMs: SERVER_LIFETIME_MS, log },
    ),
  );
  const stop = async () => {
    for (const h of handles) h.signal('stop');
    return Promise.all(handles.map((h) => h.result));
  };
  try {
    const addresses = await Promise.all(handles.map((h) => h.ready));
    return { addresses, stop };
  } catch (err) {
    for (const h of handles) h.signal('stop');
    await Promise.allSettled(handles.map((h) => h.result));
    throw err;
  }
}
