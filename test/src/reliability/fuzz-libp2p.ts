import { protocolId, type WireMethod } from '@hotsync/core';
import { type HotsyncNode, StreamReader } from '@hotsync/network';
import type { Stream } from '@libp2p/interface';

/** What a raw stream got back before it ended, and how it ended. */
export interface RawReply {
  readonly bytes: Uint8Array;
  /** Set when the stream was reset or aborted (by the server, or by our deadline). */
  readonly error: Error | undefined;
  /** True when our deadline ended it: the server neither answered nor closed in time. */
  readonly timedOut: boolean;
}

/**
 * Sends `pieces` as they are on a new stream of `method` from `client` to `server`,
 * half-closes, and reads everything until the server ends the stream (or `timeoutMs`).
 * Rejects only when the stream cannot be opened (e.g. the server's gater refuses us).
 */
export async function rawExchange(
  client: HotsyncNode,
  server: HotsyncNode,
  method: WireMethod,
  pieces: readonly Uint8Array[],
  timeoutMs: number,
): Promise<RawReply> {
  const stream = await client.libp2p.dialProtocol(
    server.libp2p.peerId,
    protocolId(client.sync.options.chainId, method),
    { signal: AbortSignal.timeout(timeoutMs) },
  );
  const reader = new StreamReader(stream, { highWaterMark: 1 << 20 });
  const parts: Uint8Array[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.abort(new Error('raw exchange deadline'));
  }, timeoutMs);
  try {
    for (const piece of pieces) if (piece.length > 0 && !stream.send(piece)) await stream.onDrain();
    await stream.close();
    for (let piece = await reader.read(); piece; piece = await reader.read()) parts.push(piece);
    return { bytes: new Uint8Array(Buffer.concat(parts)), error: undefined, timedOut };
  } catch (err) {
    return { bytes: new Uint8Array(Buffer.concat(parts)), error: err as Error, timedOut };
  } finally {
    clearTimeout(timer);
    reader.dispose();
  }
}

/**
 * Makes `node` answer `method` with whatever `next()` gives, as raw bytes in the given
 * pieces after reading the request: a server sending fuzzed responses.
 */
export async function answerRaw(
  node: HotsyncNode,
  method: WireMethod,
  next: () => readonly Uint8Array[],
): Promise<void> {
  await node.libp2p.handle(
    protocolId(node.sync.options.chainId, method),
    async (stream: Stream) => {
      const reader = new StreamReader(stream, { highWaterMark: 1 << 16 });
      try {
        for (let piece = await reader.read(); piece; piece = await reader.read());
        for (const piece of next()) if (piece.length > 0 && !stream.send(piece)) await stream.onDrain();
        await stream.close();
      } catch {
        // The client gave up first (it refused what it read): nothing left to send.
        if (stream.status === 'open') stream.abort(new Error('fuzzing server done'));
      } finally {
        reader.dispose();
      }
    },
    { force: true },
  );
}
