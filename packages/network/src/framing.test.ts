import { decodeResponse, encodeResponse, type ResponseChunk } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { okChunkHeader, packResponse, sendAll } from './framing.js';

const block = (n: number, size: number) => new Uint8Array(size).fill(n % 251);
// Plain Uint8Arrays on both sides: a Buffer never deep-equals a Uint8Array.
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('response framing', () => {
  it('okChunkHeader is core framing of an ok chunk', () => {
    const payload = block(1, 300);
    expect(concat([okChunkHeader(300), payload])).toEqual(encodeResponse([{ code: 'ok', payload }]));
  });

  it('packs small chunks into writes of about the target size, same bytes as one encoding', () => {
    const chunks: ResponseChunk[] = Array.from({ length: 500 }, (_, i) => ({
      code: 'ok',
      payload: block(i, 1_000),
    }));
    const pieces = [...packResponse(chunks, 64 * 1024)];
    expect(pieces.length).toBe(8); // 500 × 1,005 bytes in 64 KiB writes
    for (const p of pieces.slice(0, -1)) expect(p.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(Buffer.from(concat(pieces)).equals(encodeResponse(chunks))).toBe(true);
  });

  it('sends a large payload as its own view, uncopied, and keeps an error chunk last', () => {
    const big = block(9, 200_000);
    const chunks: ResponseChunk[] = [
      { code: 'ok', payload: block(1, 10) },
      { code: 'ok', payload: big },
      { code: 'server-error', message: 'then it broke' },
    ];
    const pieces = [...packResponse(chunks, 64 * 1024)];
    expect(pieces).toHaveLength(4);
    expect(pieces[2]).toBe(big);
    const decoded = decodeResponse(concat(pieces));
    expect(decoded.map((c) => c.code)).toEqual(['ok', 'ok', 'server-error']);
    expect(Buffer.from((decoded[1] as { payload: Uint8Array }).payload).equals(big)).toBe(true);
    expect(decoded[2]).toEqual(chunks[2]);
  });

  it('sendAll waits for drain whenever send() says the buffer is full', async () => {
    const log: string[] = [];
    let drains = 0;
    const stream = {
      send: (p: Uint8Array) => {
        log.push(`send ${p.length}`);
        return p.length < 3;
      },
      onDrain: async () => {
        drains++;
        log.push('drain');
      },
    };
    const sent = await sendAll(stream, [new Uint8Array(1), new Uint8Array(5), new Uint8Array(2)]);
    expect(sent).toBe(8);
    expect(drains).toBe(1);
    expect(log).toEqual(['send 1', 'send 5', 'drain', 'send 2']);
  });
});
