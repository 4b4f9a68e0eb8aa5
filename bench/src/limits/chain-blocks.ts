import { openLmdbChainStore } from '@hotsync/core';
import type { ChainMeta } from '../ipc/chain-meta.js';

/** Blocks 1..n of a cached chain, copied into memory (the probes time work on them, not reads). */
export async function readBlocks(meta: ChainMeta, n: number): Promise<Uint8Array[]> {
  const store = await openLmdbChainStore({ path: meta.chainPath, noSync: true });
  try {
    const out: Uint8Array[] = [];
    for (const b of store.iterateBlocks(1, Math.min(n, meta.tipHeight))) out.push(b.bytes.slice());
    return out;
  } finally {
    await store.close();
  }
}
