import { decodeSnapshotChunk, encodeSnapshotChunk } from '@hotsync/core';
import type { Behaviour } from '@hotsync/simnet';

/**
 * Serves snapshot chunks whose data has one byte flipped (root and index left intact), so
 * they decode fine and only the chunk's own proof check refuses them: the chunk downloader
 * must blame exactly this peer and fetch the chunk elsewhere.
 */
export function corruptSnapshotChunks(): Behaviour {
  return {
    name: 'corrupt-snapshot-chunks',
    wrap: (inner) => async (request) => {
      const reply = await inner(request);
      if (request.method !== 'snapshot_chunk' || reply.kind !== 'chunks') return reply;
      return {
        ...reply,
        chunks: reply.chunks.map((chunk) => {
          if (chunk.code !== 'ok') return chunk;
          const decoded = decodeSnapshotChunk(chunk.payload);
          const data = decoded.data.slice();
          data[data.length >> 1]! ^= 0x40;
          return { ...chunk, payload: encodeSnapshotChunk({ ...decoded, data }) };
        }),
      };
    },
  };
}
