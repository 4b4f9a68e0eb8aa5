import { type ChainStore, concatBytes } from '@hotsync/core';
import { type HotsyncNode, StreamReader } from '@hotsync/network';
import { BenchError } from '../errors.js';

/**
 * A bench-only protocol for the raw libp2p figure: the server streams the raw stored bytes
 * of blocks `from..to` (the same bytes a sync receives), packed into 64 KiB writes, with no
 * framing and no request per range, going round the range again until at least `bytes`
 * were sent (a short chain still moves enough bytes for a stable rate). It measures what
 * one libp2p stream (TCP + noise + yamux) carries on this machine, LMDB reads included.
 */
export const BULK_PROTOCOL = '/hotsync-bench/bulk/2';
const WRITE_BYTES = 64 * 1024;
/** Blocks read from the store at once (and at most this many bytes). */
const READ_BLOCKS = 512;
const READ_BYTES = 1 << 20;

export interface BulkRequest {
  readonly from: number;
  readonly to: number;
  /** Bytes to send at least: the range is repeated until they are. */
  readonly bytes: number;
}

export function encodeBulkRequest(request: BulkRequest): Uint8Array {
  return new TextEncoder().encode(`${request.from},${request.to},${request.bytes}`);
}

export function decodeBulkRequest(bytes: Uint8Array | undefined): BulkRequest | undefined {
  const parts = new TextDecoder().decode(bytes).split(',').map(Number);
  const [from, to, total] = parts;
  if (parts.length !== 3 || !parts.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  if (from === undefined || to === undefined || total === undefined || from < 1 || to < from)
    return undefined;
  return { from, to, bytes: total };
}

export async function handleBulk(node: HotsyncNode, store: ChainStore): Promise<void> {
  await node.libp2p.handle(BULK_PROTOCOL, async (stream) => {
    const reader = new StreamReader(stream, { highWaterMark: 1 << 16 });
    const request = await reader.read();
    reader.dispose();
    const wanted = decodeBulkRequest(request);
    if (!wanted) {
      stream.abort(new BenchError('bench.invalid-argument', 'malformed bulk request'));
      return;
    }
    let pending: Uint8Array[] = [];
    let size = 0;
    const flush = async () => {
      if (size === 0) return;
      const piece = concatBytes(...pending);
      pending = [];
      size = 0;
      if (!stream.send(piece)) await stream.onDrain();
    };
    let sent = 0;
    for (let height = wanted.from; sent < wanted.bytes; ) {
      const blocks = store.blockRangeBytes(height, Math.min(READ_BLOCKS, wanted.to - height + 1), READ_BYTES);
      if (blocks.length === 0) break;
      for (const block of blocks) {
        pending.push(block);
        size += block.length;
        sent += block.length;
        if (size >= WRITE_BYTES) await flush();
      }
      height += blocks.length;
      if (height > wanted.to) height = wanted.from;
    }
    await flush();
    await stream.close();
  });
}
