import {
  InvalidArgumentError,
  ManualClock,
  type PeerManagerEvent,
  type PeerStatus,
  parseSyncConfig,
  type RequestOutcome,
  SeededRandom,
  type SyncConfigInput,
} from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { PeersError } from './errors.js';
import type { PeersEvent } from './events.js';
import { DEFAULT_TUNING, type PeerTuningInput } from './options.js';
import { createPeerManager, DefaultPeerManager } from './peer-manager.js';

const T = DEFAULT_TUNING;
const START = 1_700_000_000_000;

function setup(options: { peers?: SyncConfigInput['peers']; tuning?: PeerTuningInput; seed?: number } = {}) {
  const clock = new ManualClock(START);
  const random = new SeededRandom(options.seed ?? 42);
  const config = parseSyncConfig({ peers: options.peers ?? {} });
  const pm = createPeerManager({ config, clock, random, tuning: options.tuning });
  const events: PeersEvent[] = [];
  pm.onPeersEvent((e) => events.push(e));
  const ofType = <K extends PeersEvent['type']>(type: K) =>
    events.filter((e): e is Extract<PeersEvent, { type: K }> => e.type === type);
  return { clock, random, pm, events, ofType };
}

function status(height: number, earliestHeight = 0): PeerStatus {
  return { height, view: height + 1, epoch: 0, blockHash: new Uint8Array(32), earliestHeight };
}

function addProven(pm: DefaultPeerManager, peer: string, height: number, trusted?: boolean): void {
  pm.addPeer(peer, trusted === undefined ? {} : { trusted });
  pm.updateStatus(peer, status(height), height);
}

const success = (latencyMs = 200, bytes = 100_000, items = 10): RequestOutcome => ({
  kind: 'success',
  latencyMs,
  bytes,
  items,
});
const failure = (kind: Extract<RequestOutcome, { kind: 'failure' }>['failure'], retryAfterMs?: number) =>
  ({ kind: 'failure', failure: kind, retryAfterMs }) as RequestOutcome;
const invalid = (check: string): RequestOutcome => ({ kind: 'invalid-data', check });

describe('penalty levels and ban thresholds', () => {
  it('fatal: one forged QC bans at once, for the fatal duration', () => {
    const { pm, clock, ofType } = setup();
    addProven(pm, 'p', 100);
    pm.recordOutcome('p', invalid('qc.signature'));
    expect(pm.isBanned('p')).toBe(true);
    expect(ofType('penalized')).toEqual([
      { type: 'penalized', peer: 'p', level: 'fatal', reason: 'invalid-data:qc.signature' },
    ]);
    const [ban] = ofType('banned');
    expect(ban?.untilMs).toBe(clock.now() + T.bans.fatalDurationMs);
    expect(pm.score('p')).toBe(T.scoring.minScore);
    expect(pm.peer('p')?.invalidData).toEqual({ 'qc.signature': 1 });
  });

  it('high: five malformed responses ban (the fourth asks for a disconnect)', () => {
    const { pm, clock, ofType } = setup();
    addProven(pm, 'p', 100);
    for (let i = 0; i < 3; i++) pm.recordOutcome('p', failure('malformed-response'));
    expect(pm.score('p')).toBe(-30);
    expect(pm.peer('p')?.standing).toBe('resting');
    pm.recordOutcome('p', failure('malformed-response'));
    expect(ofType('disconnect')).toHaveLength(1);
    expect(pm.isBanned('p')).toBe(false);
    pm.recordOutcome('p', failure('malformed-response'));
    expect(pm.isBanned('p')).toBe(true);
    expect(ofType('banned')[0]?.untilMs).toBe(clock.now() + T.bans.durationMs);
    expect(ofType('penalized').every((e) => e.level === 'high')).toBe(true);
  });

  it('mid: ten commit proofs for the wrong target ban, nine do not', () => {
    const { pm } = setup();
    addProven(pm, 'p', 100);
    for (let i = 0; i < 9; i++) pm.recordOutcome('p', invalid('commit.target'));
    expect(pm.isBanned('p')).toBe(false);
    expect(pm.score('p')).toBe(-45);
    pm.recordOutcome('p', invalid('commit.target'));
    expect(pm.isBanned('p')).toBe(true);
  });

  it('low: fifty state-root mismatches ban, forty-nine do not', () => {
    const { pm } = setup();
    addProven(pm, 'p', 100);
    for (let i = 0; i < 49; i++) pm.recordOutcome('p', invalid('state.root'));
    expect(pm.isBanned('p')).toBe(false);
    pm.recordOutcome('p', invalid('state.root'));
    expect(pm.isBanned('p')).toBe(true);
  });

  it('useful work earns bounded credit that never offsets bad data', () => {
    const { pm } = setup();
    addProven(pm, 'p', 100);
    for (let i = 0; i < 500; i++) pm.recordOutcome('p', success());
    expect(pm.score('p')).toBe(T.scoring.maxScore);
    for (let i = 0; i < 5; i++) pm.recordOutcome('p', invalid('link.parent'));
    expect(pm.isBanned('p')).toBe(true);
  });

  it('empty successes earn nothing', () => {
    const { pm } = setup();
    addProven(pm, 'p', 100);
    pm.recordOutcome('p', success(100, 0, 0));
    expect(pm.score('p')).toBe(0);
    expect(pm.peer('p')?.successes).toBe(1);
  });

  it('a fault reported after the peer left still counts (and bans)', () => {
    const { pm } = setup();
    addProven(pm, 'p', 100);
    pm.removePeer('p');
    pm.recordOutcome('p', invalid('structure.chain-id'));
    expect(pm.isBanned('p')).toBe(true);
    pm.recordOutcome('stranger', invalid('qc.quorum'));
    expect(pm.isBanned('stranger')).toBe(true);
  });

  it('a reconnect does not launder a score', () => {
    const { pm } = setup();
    addProven(pm, 'p', 100);
    pm.recordOutcome('p', invalid('link.height'));
    pm.removePeer('p');
    pm.addPeer('p');
    expect(pm.score('p')).toBe(-10);
  });
});

describe('decay', () => {
  it('brings a resting peer back into selection as its score decays toward neutral', () => {
    const { pm, clock } = setup();
    addProven(pm, 'p', 100);
    for (let i = 0; i < 3; i++) pm.recordOutcome('p', invalid('view.order'));
    expect(pm.score('p')).toBe(-30);
    expect(pm.selectPeers({ minHeight: 50, count: 1 })).toEqual([]);
    clock.advance(T.scoring.halfLifeMs);
    expect(pm.score('p')).toBeCloseTo(-15, 9);
    expect(pm.selectPeers({ minHeight: 50, count: 1 })).toEqual(['p']);
    clock.advance(20 * T.scoring.halfLifeMs);
    expect(Math.abs(pm.score('p'))).toBeLessThan(1e-4);
  });
});

describe('ban expiry', () => {
  it('lifts a ban when it expires, and says so at the next rotation', () => {
    const { pm, clock, ofType } = setup();
    addProven(pm, 'p', 100);
    pm.recordOutcome('p', invalid('qc.vote'));
    clock.advance(T.bans.fatalDurationMs - 1);
    expect(pm.isBanned('p')).toBe(true);
    clock.advance(1);
    expect(pm.isBanned('p')).toBe(false);
    expect(pm.bans()).toEqual([]);
    pm.rotate();
    expect(ofType('unbanned')).toEqual([{ type: 'unbanned', peer: 'p', reason: 'expired' }]);
    // A day of decay later, the peer is usable again.
    expect(pm.selectPeers({ minHeight: 1, count: 1 })).toEqual(['p']);
  });

  it('never shortens a running ban; an operator can ban and unban by hand', () => {
    const { pm, clock } = setup();
    addProven(pm, 'p', 100);
    const long = pm.ban('p', 'operator', 10_000);
    expect(pm.ban('p', 'shorter', 5_000)).toEqual(long);
    expect(() => pm.ban('p', 'bad', 0)).toThrow(PeersError);
    try {
      pm.ban('p', 'bad', Number.NaN);
    } catch (err) {
      expect((err as PeersError).code).toBe('peers.invalid-ban');
    }
    expect(pm.unban('p')).toBe(true);
    expect(pm.unban('p')).toBe(false);
    expect(pm.isBanned('p')).toBe(false);
    clock.advance(1);
    expect(pm.score('p')).toBe(0);
  });
});

describe('waits and our own faults', () => {
  it('a rate-limited reply is a wait: no penalty, not selected until retry-after', () => {
    const { pm, clock, ofType } = setup();
    addProven(pm, 'p', 100);
    pm.recordOutcome('p', failure('rate-limited', 3_000));
    expect(pm.score('p')).toBe(0);
    expect(ofType('penalized')).toEqual([]);
    expect(pm.selectPeers({ minHeight: 1, count: 1 })).toEqual([]);
    expect(pm.acquire('p')).toBe(false);
    expect(pm.eligibility('p', { minHeight: 1 })).toBe('waiting');
    clock.advance(2_999);
    expect(pm.selectPeers({ minHeight: 1, count: 1 })).toEqual([]);
    clock.advance(1);
    expect(pm.selectPeers({ minHeight: 1, count: 1 })).toEqual(['p']);
  });

  it('caps an absurd retry-after and applies a default when none is given', () => {
    const { pm, clock } = setup();
    addProven(pm, 'p', 100);
    addProven(pm, 'q', 100);
    pm.recordOutcome('p', failure('rate-limited', 365 * 24 * 3_600_000));
    pm.recordOutcome('q', failure('rate-limited'));
    expect(pm.peer('p')?.waitingUntilMs).toBe(clock.now() + T.retryAfter.maxMs);
    expect(pm.peer('q')?.waitingUntilMs).toBe(clock.now() + T.retryAfter.defaultMs);
  });

  it('our aborts cost the peer nothing', () => {
    const { pm, events } = setup();
    addProven(pm, 'p', 100);
    for (let i = 0; i < 100; i++) pm.recordOutcome('p', failure('aborted'));
    expect(pm.score('p')).toBe(0);
    expect(events).toEqual([]);
    expect(pm.peer('p')?.failures.aborted).toBe(100);
  });

  it('timeouts while we are overloaded are ours', () => {
    let overloaded = true;
    const clock = new ManualClock(START);
    const pm = new DefaultPeerManager({
      config: parseSyncConfig({}),
      clock,
      random: new SeededRandom(1),
      isOverloaded: () => overloaded,
    });
    addProven(pm, 'p', 100);
    for (let i = 0; i < 100; i++) pm.recordOutcome('p', failure('timeout'));
    expect(pm.score('p')).toBe(0);
    expect(pm.health().overloaded).toBe(true);
    overloaded = false;
    pm.recordOutcome('p', failure('timeout'));
    expect(pm.score('p')).toBe(-T.scoring.points.low);
    pm.setOverloaded(true);
    pm.recordOutcome('p', failure('disconnected'));
    expect(pm.score('p')).toBe(-T.scoring.points.low);
  });
});

describe('circuit breaker', () => {
  it('when most peers time out at once, suspects ourselves: refunds, stops penalizing, bans nobody', () => {
    const { pm, clock, ofType } = setup();
    const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const p of peers) addProven(pm, p, 100);
    // Ten minutes of a dead uplink: every request to every peer times out.
    for (let round = 0; round < 300; round++) {
      for (const p of peers) pm.recordOutcome(p, failure(round % 2 === 0 ? 'timeout' : 'disconnected'));
      clock.advance(2_000);
    }
    expect(ofType('banned')).toEqual([]);
    expect(ofType('disconnect')).toEqual([]);
    const circuits = ofType('circuit');
    expect(circuits[0]?.state.state).toBe('open');
    expect(pm.circuit().state).toBe('open');
    expect(pm.health().circuit.state).toBe('open');
    // The few penalties taken before it opened were refunded.
    for (const p of peers) expect(pm.score(p)).toBeGreaterThan(-1e-9);
    // The link comes back: successes close it, and a lone failing peer is penalized again.
    for (let round = 0; round < 3; round++) {
      for (const p of peers) pm.recordOutcome(p, success());
      clock.advance(1_000);
    }
    expect(pm.circuit().state).toBe('closed');
    // Once the outage has left the window, a lone failing peer is penalized again.
    for (let round = 0; round < 12; round++) {
      for (const p of peers) pm.recordOutcome(p, success());
      clock.advance(1_000);
    }
    expect(ofType('circuit').at(-1)?.state.state).toBe('closed');
    const before = pm.score('a');
    pm.recordOutcome('a', failure('timeout'));
    expect(pm.score('a')).toBe(before - T.scoring.points.low);
  });

  it('stays closed when a minority of peers fails', () => {
    const { pm, clock, ofType } = setup();
    const peers = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const p of peers) addProven(pm, p, 100);
    for (let round = 0; round < 20; round++) {
      for (const p of peers) pm.recordOutcome(p, p === 'a' || p === 'b' ? failure('timeout') : success());
      clock.advance(500);
    }
    expect(ofType('circuit')).toEqual([]);
    expect(pm.score('a')).toBeLessThan(-15);
  });

  it('never suspends penalties for bad data', () => {
    const { pm } = setup();
    const peers = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const p of peers) addProven(pm, p, 100);
    for (const p of peers) pm.recordOutcome(p, failure('timeout'));
    expect(pm.circuit().state).toBe('open');
    pm.recordOutcome('a', invalid('snapshot.chunk'));
    expect(pm.score('a')).toBe(-T.scoring.points.high);
  });
});

describe('trusted peers', () => {
  it('are never banned or disconnected for timeouts, but rest like anyone', () => {
    const { pm, clock, ofType } = setup();
    addProven(pm, 't', 100, true);
    for (let i = 0; i < 1_000; i++) {
      pm.recordOutcome('t', failure('timeout'));
      clock.advance(100);
    }
    expect(pm.isBanned('t')).toBe(false);
    expect(ofType('disconnect')).toEqual([]);
    expect(pm.peer('t')?.standing).toBe('resting');
    expect(pm.health().timingOut).toEqual(['t']);
    expect(pm.activePeers()).toContain('t');
  });

  it('are still banned for invalid data', () => {
    const { pm } = setup();
    addProven(pm, 't', 100, true);
    pm.recordOutcome('t', invalid('qc.signature'));
    expect(pm.isBanned('t')).toBe(true);
  });

  it('are preferred in selection', () => {
    const { pm } = setup();
    addProven(pm, 't', 100, true);
    addProven(pm, 'u', 100);
    let trusted = 0;
    for (let i = 0; i < 3_000; i++) if (pm.selectPeers({ minHeight: 1, count: 1 })[0] === 't') trusted++;
    expect(trusted / 3_000).toBeGreaterThan(0.62);
    expect(trusted / 3_000).toBeLessThan(0.72);
  });
});

describe('events', () => {
  it('onEvent gets only the core events; unsubscribing and throwing listeners are safe', () => {
    const { pm } = setup({ peers: { maxSyncPeers: 1 } });
    const core: PeerManagerEvent[] = [];
    const off = pm.onEvent((e) => core.push(e));
    pm.onPeersEvent(() => {
      throw new Error('listener bug');
    });
    addProven(pm, 'a', 100);
    addProven(pm, 'b', 100);
    pm.recordOutcome('a', invalid('qc.signature')); // banned, b rotates in: a `rotated` event too
    expect(core.map((e) => e.type)).toEqual(['penalized', 'banned']);
    expect(pm.activePeers()).toEqual(['b']);
    off();
    pm.recordOutcome('b', invalid('qc.signature'));
    expect(core).toHaveLength(2);
  });
});

describe('arguments and options', () => {
  it('rejects bad arguments with typed errors', () => {
    const { pm } = setup();
    expect(() => pm.selectPeers({ minHeight: -1, count: 1 })).toThrow(InvalidArgumentError);
    expect(() => pm.selectPeers({ minHeight: 1, count: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => pm.addPeer('')).toThrow(InvalidArgumentError);
    addProven(pm, 'p', 1);
    expect(() => pm.updateStatus('p', status(Number.NaN))).toThrow(InvalidArgumentError);
    expect(() => pm.recordOutcome('p', success(-1))).toThrow(InvalidArgumentError);
  });

  it('rejects inconsistent tuning and config naming the option', () => {
    const clock = new ManualClock();
    const random = new SeededRandom(1);
    const make = (tuning: PeerTuningInput) => () =>
      new DefaultPeerManager({ config: parseSyncConfig({}), clock, random, tuning });
    expect(make({ scoring: { banThreshold: -10 } })).toThrow(/banThreshold/);
    expect(make({ circuitBreaker: { failureRatio: 1 } })).toThrow(PeersError);
    expect(make({ scoring: { halfLifeMs: 0 } })).toThrow(/halfLifeMs/);
    const config = parseSyncConfig({ peers: { minSyncPeers: 5, maxSyncPeers: 2 } });
    expect(() => new DefaultPeerManager({ config, clock, random })).toThrow(/minSyncPeers/);
  });

  it('accepts the peers section alone or the whole SyncConfig', () => {
    const clock = new ManualClock();
    const random = new SeededRandom(1);
    const config = parseSyncConfig({ peers: { maxRequestsPerPeer: 3 } });
    expect(new DefaultPeerManager({ config, clock, random }).config.maxRequestsPerPeer).toBe(3);
    expect(new DefaultPeerManager({ config: config.peers, clock, random }).config.maxRequestsPerPeer).toBe(3);
  });
});

describe('health', () => {
  it('reports stale peers, peers that keep timing out, and a short active set', () => {
    const { pm, clock } = setup({ peers: { minSyncPeers: 2 } });
    addProven(pm, 'fresh', 100);
    addProven(pm, 'quiet', 100);
    clock.advance(T.health.staleAfterMs + 1);
    pm.updateStatus('fresh', status(120), 120);
    for (let i = 0; i < T.health.timeoutStreak; i++) pm.recordOutcome('fresh', failure('timeout'));
    const h = pm.health();
    expect(h.stale).toEqual(['quiet']);
    expect(h.timingOut).toEqual(['fresh']);
    expect(h.belowMinimum).toBe(false);
    pm.recordOutcome('fresh', success());
    expect(pm.health().timingOut).toEqual([]);
    pm.recordOutcome('quiet', invalid('qc.signature'));
    expect(pm.health()).toMatchObject({ usableActive: 1, belowMinimum: true });
  });
});
