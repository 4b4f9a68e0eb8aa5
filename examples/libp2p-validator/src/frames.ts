import { ExampleError } from './errors.js';

/** Bytes of the length prefix in front of every consensus message. */
export const FRAME_HEADER_BYTES = 4;

/** One message as it goes on the stream: `u32 length ‖ bytes`. */
export function encodeFrame(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + message.length);
  new DataView(frame.buffer).setUint32(0, message.length);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Cuts a byte stream into frames. Pieces arrive as the transport delivers them (a frame
 * may span pieces, a piece may hold several frames); a length above `maxFrameBytes` is a
 * protocol error: the stream must be dropped, never buffered.
 */
export class FrameDecoder {
  private pieces: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds a piece and returns the frames it completed. */
  push(piece: Uint8Array): Uint8Array[] {
    if (piece.length > 0) {
      this.pieces.push(piece);
      this.buffered += piece.length;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) return frames;
      const header = this.peek(FRAME_HEADER_BYTES);
      const length = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(0);
      if (length > this.maxFrameBytes) {
        throw new ExampleError(
          'example.frame-too-large',
          `a frame of ${length} bytes (at most ${this.maxFrameBytes})`,
        );
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) return frames;
      this.take(FRAME_HEADER_BYTES);
      frames.push(this.take(length));
    }
  }

  /** Bytes received and not yet returned in a frame. */
  pending(): number {
    return this.buffered;
  }

  private peek(n: number): Uint8Array {
    const first = this.pieces[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return this.join(n, false);
  }

  private take(n: number): Uint8Array {
    const first = this.pieces[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.pieces.shift();
      else this.pieces[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    return this.join(n, true);
  }

  private join(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const piece = this.pieces[i]!;
      const part = piece.subarray(0, Math.min(piece.length, n - filled));
      out.set(part, filled);
      filled += part.length;
      if (consume) {
        if (part.length === piece.length) this.pieces.shift();
        else this.pieces[0] = piece.subarray(part.length);
      } else i++;
    }
    if (consume) this.buffered -= n;
    return out;
  }
}
