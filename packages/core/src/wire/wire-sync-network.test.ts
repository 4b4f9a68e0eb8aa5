import { describe, expect, it } from 'vitest';
import type { PeerConnectionEvent, PeerId } from '../interfaces/network.js';
import { DEFAULT_WIRE_LIMITS } from './limits.js';
import type { WireMethod } from './methods.js';
import type { WireResponseValues } from './reply.js';
import type { WireRequest, WireRequestOf } from './request-codec.js';
import { WireSyncNetwork } from './wire-sync-network.js';

/** A transport that records what it was asked and answers from a table. */
class RecordingNetwork extends WireSyncNetwork {
  readonly asked: { peer: PeerId; request: WireRequest }[] = [];
  readonly failures: { err: unknown; event: PeerConnectionEvent }[] = [];
  limits = { maxBlocksPerRequest: 8, maxHashesPerRequest: 2 };

  constructor(private readonly answers: Partial<{ [M in WireMethod]: WireResponseValues[M] }>) {
    super();
  }

  connectedPeers(): readonly PeerId[] {
    return ['a'];
  }

  emit(event: PeerConnectionEvent): void {
    this.emitPeerEvent(event);
  }

  protected async ask<M extends WireMethod>(
    peer: PeerId,
    request: WireRequestOf<M>,
  ): Promise<WireResponseValues[M]> {
    this.asked.push({ peer, request });
    return this.answers[request.method] as WireResponseValues[M];
  }

  protected requestLimits() {
    return this.limits;
  }

  protected listenerFailed(err: unknown, event: PeerConnectionEvent): void {
    this.failures.push({ err, event });
  }
}

describe('WireSyncNetwork', () => {
  it('maps each request method to its wire request', async () => {
    const status = { height: 9, earliestHeight: 0 } as never;
    const net = new RecordingNetwork({ status: { status } as never, blocks_by_range: [new Uint8Array([1])] });
    expect(await net.status('a')).toBe(status);
    expect(await net.blocksByRange('a', { startHeight: 5, count: 3 })).toEqual([new Uint8Array([1])]);
    const root = new Uint8Array(32);
    await net.commitProof('a', 7);
    await net.epochChangeProof('a', 2);
    await net.snapshotManifest('a');
    await net.snapshotChunk('a', { stateRoot: root, index: 4 });
    await net.blocksByHash('a', [root]);
    expect(net.asked.map((a) => a.request)).toEqual([
      { method: 'status' },
      { method: 'blocks_by_range', startHeight: 5, count: 3 },
      { method: 'commit_proof', height: 7 },
      { method: 'epoch_change_proof', epoch: 2 },
      { method: 'snapshot_manifest' },
      { method: 'snapshot_chunk', stateRoot: root, index: 4 },
      { method: 'blocks_by_hash', hashes: [root] },
    ]);
  });

  it('asks nothing for an empty request, clamps a range to one request, refuses too many hashes', async () => {
    const net = new RecordingNetwork({ blocks_by_range: [] });
    expect(await net.blocksByRange('a', { startHeight: 1, count: 0 })).toEqual([]);
    expect(await net.blocksByHash('a', [])).toEqual([]);
    expect(net.asked).toHaveLength(0);
    await net.blocksByRange('a', { startHeight: 1, count: 1_000 });
    expect(net.asked[0]!.request).toMatchObject({ count: 8 });
    net.limits = { ...net.limits, maxBlocksPerRequest: DEFAULT_WIRE_LIMITS.maxBlocksPerRequest };
    await net.blocksByRange('a', { startHeight: 1, count: 1_000 });
    expect(net.asked[1]!.request).toMatchObject({ count: DEFAULT_WIRE_LIMITS.maxBlocksPerRequest });
    const hash = new Uint8Array(32);
    await expect(net.blocksByHash('a', [hash, hash, hash])).rejects.toMatchObject({
      code: 'arg.out-of-range',
    });
    expect(net.asked).toHaveLength(2);
  });

  it('tells every listener, isolates one that throws, and unsubscribes', () => {
    const net = new RecordingNetwork({});
    const heard: string[] = [];
    const off = net.onPeerEvent((e) => heard.push(`first ${e.peer}`));
    net.onPeerEvent(() => {
      throw new Error('listener bug');
    });
    net.onPeerEvent((e) => heard.push(`third ${e.peer}`));
    net.emit({ type: 'connected', peer: 'x' });
    off();
    net.emit({ type: 'disconnected', peer: 'y' });
    expect(heard).toEqual(['first x', 'third x', 'third y']);
    expect(net.failures.map((f) => f.event.type)).toEqual(['connected', 'disconnected']);
  });
});
