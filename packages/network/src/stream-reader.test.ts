import { MemoryChainStore } from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_WINDOW_BYTES } from './node.js';
import { TestNet } from './nodes.fixture.js';
import { StreamReader } from './stream-reader.js';

const net = new TestNet();
afterEach(() => net.stopAll());

const PROTOCOL = '/hotsync-test/bulk/1';
const chainId = new Uint8Array(32).fill(1);

describe('StreamReader: read back-pressure on a real yamux stream', () => {
  it('a slow reader holds at most its high-water mark plus two windows, and loses nothing', async () => {
    const server = await net.node({ chainId, store: new MemoryChainStore() });
    const client = await net.node({ chainId, store: new MemoryChainStore() });
    const total = 24 << 20;
    const piece = new Uint8Array(64 * 1024).fill(7);
    await server.libp2p.handle(PROTOCOL, async (stream) => {
      for (let sent = 0; sent < total; sent += piece.length) {
        if (!stream.send(piece)) await stream.onDrain();
      }
      await stream.close();
    });
    const stream = await client.libp2p.dialProtocol(server.multiaddrs()[0]!, PROTOCOL);
    await stream.close(); // we send nothing
    const high = 256 * 1024;
    const reader = new StreamReader(stream, { highWaterMark: high });
    let received = 0;
    let pieces = 0;
    let maxHeld = 0;
    let sawPaused = false;
    for (;;) {
      const next = await reader.read();
      if (!next) break;
      received += next.length;
      maxHeld = Math.max(maxHeld, reader.queuedBytes + stream.readBufferLength);
      sawPaused ||= stream.readStatus === 'paused';
      // The first 100 pieces are consumed slowly (a verifier busy elsewhere), the rest at once.
      if (++pieces < 100) await new Promise((r) => setTimeout(r, 3));
    }
    reader.dispose();
    expect(received).toBe(total);
    expect(sawPaused).toBe(true);
    // Without pause/resume a slow reader buffers the whole transfer (TOOLCHAIN: 105 MB held ~125 MB).
    // With it: what the stream parked while paused (one window) lands in our queue at resume,
    // and resuming grants the sender one more window before the next pause.
    expect(maxHeld).toBeLessThanOrEqual(high + 2 * DEFAULT_STREAM_WINDOW_BYTES + 64 * 1024);
    console.log(`24 MiB through a slow reader: at most ${(maxHeld / 1024).toFixed(0)} KiB held`);
  });
});
