import { describe, expect, it } from 'vitest';
import { ExampleError } from './errors.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from './frames.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('consensus frames', () => {
  it('round-trips messages however the stream cuts them', () => {
    const messages = [bytes(1, 2, 3), bytes(), bytes(9), new Uint8Array(300).fill(7)];
    const stream = new Uint8Array(messages.reduce((n, m) => n + FRAME_HEADER_BYTES + m.length, 0));
    let at = 0;
    for (const m of messages) {
      stream.set(encodeFrame(m), at);
      at += FRAME_HEADER_BYTES + m.length;
    }
    for (const cut of [1, 2, 3, 5, 64, stream.length]) {
      const decoder = new FrameDecoder(1024);
      const out: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += cut) out.push(...decoder.push(stream.subarray(i, i + cut)));
      expect(out).toEqual(messages);
      expect(decoder.pending()).toBe(0);
    }
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const decoder = new FrameDecoder(1024);
    const frame = encodeFrame(bytes(4, 5, 6));
    expect(decoder.push(frame.subarray(0, 5))).toEqual([]);
    expect(decoder.pending()).toBe(5);
    expect(decoder.push(frame.subarray(5))).toEqual([bytes(4, 5, 6)]);
  });

  it('refuses a length above the limit before buffering the body', () => {
    const decoder = new FrameDecoder(16);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 17);
    expect(() => decoder.push(header)).toThrow(ExampleError);
    try {
      new FrameDecoder(16).push(header);
    } catch (err) {
      expect((err as ExampleError).code).toBe('example.frame-too-large');
    }
  });
});
