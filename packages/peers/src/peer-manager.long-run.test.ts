import {
  ManualClock,
  type PeerStatus,
  parseSyncConfig,
  type RequestOutcome,
  SeededRandom,
} from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import type { PeersEvent } from './events.js';
import { createPeerManager } from './peer-manager.js';

const HOUR = 3_600_000;

interface PeerBehaviour {
  /** Share of requests that time out. */
  readonly timeoutRate: number;
  /** Share of requests whose connection drops midway. */
  readonly disconnectRate: number;
  /** Response time of a successful request, uniform in [min, max] ms. */
  readonly latency: readonly [number, number];
}

const status = (height: number): PeerStatus => ({
  height,
  view: height + 1,
  epoch: 0,
  blockHash: new Uint8Array(32),
  earliestHeight: 0,
});

/**
 * Hours of virtual time: a strategy keeps requests in flight through select/acquire/release,
 * honest peers answer slowly (seconds, near the timeout) and now and then time out or drop,
 * the network has an outage every two hours, and rotation runs on its timer throughout.
 */
function simulate(behaviours: Record<string, PeerBehaviour>, hours: number, trusted: readonly string[] = []) {
  const clock = new ManualClock(0);
  const config = parseSyncConfig({
    peers: { maxSyncPeers: 8, maxRequestsPerPeer: 2, peerTimeoutMs: 10_000 },
  });
  const pm = createPeerManager({ config, clock, random: new SeededRandom(11) });
  const world = new SeededRandom(12);
  const events: PeersEvent[] = [];
  pm.onPeersEvent((e) => events.push(e));
  const peers = Object.keys(behaviours);
  let height = 1_000;
  for (const p of peers) {
    pm.addPeer(p, { trusted: trusted.includes(p) });
    pm.updateStatus(p, status(height), height);
  }
  pm.start();
  const timeoutMs = config.peers.peerTimeoutMs;
  const outage = (t: number) => t % (2 * HOUR) >= HOUR && t % (2 * HOUR) < HOUR + 2 * 60_000;
  let inFlight = 0;
  const served = new Map<string, number>();
  const end = hours * HOUR;
  while (clock.now() < end) {
    const now = clock.now();
    // Blocks keep coming; peers prove their new heights every half minute.
    if (now % 30_000 === 0) {
      height += 30;
      for (const p of peers) pm.updateStatus(p, status(height), height);
    }
    const wanted = 6 - inFlight;
    for (const peer of wanted > 0 ? pm.selectPeers({ minHeight: height - 100, count: wanted }) : []) {
      if (!pm.acquire(peer)) continue;
      inFlight++;
      const b = behaviours[peer]!;
      const roll = world.float();
      let delay: number;
      let outcome: RequestOutcome;
      if (outage(now) || roll < b.timeoutRate) {
        delay = timeoutMs;
        outcome = { kind: 'failure', failure: 'timeout' };
      } else if (roll < b.timeoutRate + b.disconnectRate) {
        delay = world.int(100, timeoutMs - 1);
        outcome = { kind: 'failure', failure: 'disconnected' };
      } else {
        delay = world.int(b.latency[0], b.latency[1]);
        outcome = { kind: 'success', latencyMs: delay, bytes: world.int(50_000, 200_000), items: 32 };
      }
      clock.setTimeout(() => {
        pm.recordOutcome(peer, outcome);
        pm.release(peer);
        inFlight--;
        if (outcome.kind === 'success') served.set(peer, (served.get(peer) ?? 0) + 1);
      }, delay);
    }
    clock.advance(1_000);
  }
  return { pm, events, served, peers };
}

describe('honest but slow peers over hours', () => {
  it('are never banned or disconnected, however long the run', async () => {
    const slow: PeerBehaviour = { timeoutRate: 0.05, disconnectRate: 0.01, latency: [3_000, 9_500] };
    const behaviours: Record<string, PeerBehaviour> = {
      slow1: slow,
      slow2: slow,
      slow3: slow,
      slow4: slow,
      slower: { timeoutRate: 0.1, disconnectRate: 0.02, latency: [7_000, 9_900] },
      flaky: { timeoutRate: 0.3, disconnectRate: 0.05, latency: [2_000, 9_000] },
      quick: { timeoutRate: 0.01, disconnectRate: 0, latency: [200, 800] },
      'trusted-slow': { timeoutRate: 0.5, disconnectRate: 0.05, latency: [8_000, 9_900] },
    };
    const { pm, events, served, peers } = simulate(behaviours, 6, ['trusted-slow']);
    expect(events.filter((e) => e.type === 'banned')).toEqual([]);
    expect(events.filter((e) => e.type === 'disconnect')).toEqual([]);
    // The outages opened (and closed) the circuit breaker rather than costing every peer.
    const opened = events.filter((e) => e.type === 'circuit' && e.state.state === 'open');
    expect(opened.length).toBeGreaterThanOrEqual(3); // outages at hours 1, 3 and 5
    expect(pm.circuit().state).toBe('closed');
    for (const p of peers) {
      expect(pm.isBanned(p)).toBe(false);
      expect(['usable', 'resting']).toContain(pm.peer(p)?.standing);
      expect(served.get(p) ?? 0).toBeGreaterThan(50);
    }
    // The fast peer carried the most.
    const counts = peers.map((p) => served.get(p) ?? 0);
    expect(served.get('quick')).toBe(Math.max(...counts));
    await pm.stop();
  });
});
