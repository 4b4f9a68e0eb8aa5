import { ManualClock, SeededRandom } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { MemoryHub } from './memory-transport.js';
import { MESSAGE_TAG } from './messages.js';

function setup(options: { dropRate?: number; jitterMs?: number } = {}) {
  const clock = new ManualClock(0);
  const hub = new MemoryHub({ clock, random: new SeededRandom(1), delayMs: 10, ...options });
  const received = { a: [] as string[], b: [] as string[], c: [] as string[] };
  const connect = (id: 'a' | 'b' | 'c') => {
    const t = hub.connect(id);
    t.subscribe((from, bytes) => received[id].push(`${from}:${bytes[1]}`));
    return t;
  };
  return { clock, hub, received, t: { a: connect('a'), b: connect('b'), c: connect('c') } };
}

describe('MemoryHub', () => {
  it('delivers a copy after the delay on the injected clock; broadcast skips the sender', () => {
    const { clock, received, t } = setup();
    const bytes = new Uint8Array([MESSAGE_TAG.vote, 1]);
    t.a.broadcast(bytes);
    t.a.send('c', new Uint8Array([MESSAGE_TAG.vote, 2]));
    bytes[1] = 99; // the sender reusing its buffer changes nothing in flight
    clock.advance(9);
    expect(received.b).toEqual([]);
    clock.advance(1);
    expect(received).toEqual({ a: [], b: ['a:1'], c: ['a:1', 'a:2'] });
  });

  it('partitions cut links (also for messages already in flight) until healed', () => {
    const { clock, hub, received, t } = setup();
    t.a.broadcast(new Uint8Array([1, 1]));
    hub.partition(['a', 'b'], ['c']);
    clock.advance(10);
    expect(received.b).toEqual(['a:1']);
    expect(received.c).toEqual([]);
    hub.isolate('a');
    t.b.broadcast(new Uint8Array([1, 2]));
    clock.advance(10);
    expect(received.a).toEqual([]);
    expect(received.c).toEqual(['b:2']);
    hub.heal();
    t.c.send('a', new Uint8Array([1, 3]));
    clock.advance(10);
    expect(received.a).toEqual(['c:3']);
    expect(hub.stats()).toMatchObject({ sent: 5, delivered: 3, dropped: 2, inFlight: 0 });
  });

  it('filters by message type, drops at the configured rate, adds jitter', () => {
    const { clock, hub, received, t } = setup();
    hub.setFilter((_from, to, type) =>
      type === 'proposal' ? { deliver: false } : { deliver: true, delayMs: to === 'b' ? 50 : 1 },
    );
    t.a.broadcast(new Uint8Array([MESSAGE_TAG.proposal, 1]));
    t.a.broadcast(new Uint8Array([MESSAGE_TAG.vote, 2]));
    clock.advance(1);
    expect(received.c).toEqual(['a:2']);
    expect(received.b).toEqual([]);
    clock.advance(49);
    expect(received.b).toEqual(['a:2']);
    hub.setFilter(undefined);
    hub.setLinks({ dropRate: 0.5, jitterMs: 5 });
    for (let i = 0; i < 200; i++) t.a.send('b', new Uint8Array([1, 0]));
    clock.advance(20);
    expect(received.b.length - 1).toBeGreaterThan(60);
    expect(received.b.length - 1).toBeLessThan(140);
    expect(() => new MemoryHub({ clock, dropRate: 0.1 })).toThrow(/Random/);
  });
});
