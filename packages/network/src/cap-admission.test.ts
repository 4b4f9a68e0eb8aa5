import { AbortedError, BandwidthCap, ManualClock } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import { CapAdmission, type CapTicket, capAdmission } from './cap-admission.js';

/** 100,000 B/s and a 2 s response window: 200,000 bytes per window, 100,000 of budget. */
function admission(): CapAdmission {
  return new CapAdmission(new BandwidthCap({ bytesPerSec: 100_000, clock: new ManualClock(0) }), 2_000);
}

/** Lets queued promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Admits, with a settled flag to see whether the request is let through yet. */
function ask(a: CapAdmission, items: number, signal?: AbortSignal) {
  const state: { ticket?: CapTicket; error?: unknown } = {};
  a.admit('blocks_by_range', items, signal).then(
    (t) => {
      state.ticket = t;
    },
    (err) => {
      state.error = err;
    },
  );
  return state;
}

/** Teaches `a` that range responses take `bytesPerBlock` per block. */
async function learn(a: CapAdmission, bytesPerBlock: number): Promise<void> {
  const t = await a.admit('blocks_by_range', 10);
  t.close({ bytes: 10 * bytesPerBlock, items: 10 });
}

describe('CapAdmission', () => {
  it('sizes its budget from the cap and the servers window', () => {
    const a = admission();
    expect(a.windowBytes).toBe(200_000);
    expect(a.budgetBytes).toBe(100_000);
  });

  it('sends a request of unknown size alone, and others only once it is over', async () => {
    const a = admission();
    const first = ask(a, 100);
    await settle();
    expect(first.ticket).toBeDefined();
    const second = ask(a, 100);
    await settle();
    expect(second.ticket).toBeUndefined();
    // Reading does not make an unknown size known: it still owes the budget until it is over.
    first.ticket!.read(50_000);
    await settle();
    expect(second.ticket).toBeUndefined();
    first.ticket!.close({ bytes: 100_000, items: 100 });
    await settle();
    expect(second.ticket).toBeDefined();
    expect(a.expectedBytes('blocks_by_range', 100)).toBe(100_000);
    expect(a.stats()).toMatchObject({ admitted: 2, queued: 1, waiting: 0, inFlight: 1 });
  });

  it('lets requests in together while their expected bytes fit the budget, then as they read', async () => {
    const a = admission();
    await learn(a, 1_000); // 1,000 bytes per block: 40 blocks owe 40,000
    const one = ask(a, 40);
    const two = ask(a, 40);
    const three = ask(a, 40);
    await settle();
    expect([one.ticket, two.ticket, three.ticket].map(Boolean)).toEqual([true, true, false]);
    expect(a.stats().owedBytes).toBe(80_000);
    one.ticket!.read(10_000); // 70,000 owed: 40,000 more would exceed 100,000
    await settle();
    expect(three.ticket).toBeUndefined();
    one.ticket!.read(10_000);
    await settle();
    expect(three.ticket).toBeDefined();
    expect(a.stats().owedBytes).toBe(100_000);
    // Reading past the expected size owes nothing more; closing frees what is left.
    two.ticket!.read(1_000_000);
    two.ticket!.close();
    two.ticket!.close();
    expect(a.stats()).toMatchObject({ owedBytes: 60_000, inFlight: 2 });
  });

  it('keeps order: a large request waiting is not overtaken by small ones', async () => {
    const a = admission();
    await learn(a, 1_000);
    const small = ask(a, 60);
    await settle();
    const large = ask(a, 90);
    const later = ask(a, 10);
    await settle();
    expect([Boolean(large.ticket), Boolean(later.ticket)]).toEqual([false, false]);
    small.ticket!.close({ bytes: 60_000, items: 60 });
    await settle();
    expect([Boolean(large.ticket), Boolean(later.ticket)]).toEqual([true, true]);
  });

  it('a request larger than the budget goes alone', async () => {
    const a = admission();
    await learn(a, 1_000);
    const small = ask(a, 10);
    const huge = ask(a, 150);
    await settle();
    expect([Boolean(small.ticket), Boolean(huge.ticket)]).toEqual([true, false]);
    small.ticket!.close();
    await settle();
    expect(huge.ticket).toBeDefined();
    const next = ask(a, 1);
    await settle();
    expect(next.ticket).toBeUndefined();
  });

  it('bounds a range to what the cap reads within the whole window, once the block size is known', async () => {
    const a = admission();
    expect(a.boundCount(512)).toBe(512);
    await learn(a, 1_000);
    expect(a.boundCount(512)).toBe(200);
    expect(a.boundCount(150)).toBe(150);
    await learn(a, 1_000_000);
    expect(a.boundCount(512)).toBe(1); // a block larger than the window: one at a time
  });

  it('an abort while waiting leaves the queue and lets the next through', async () => {
    const a = admission();
    const first = ask(a, 10);
    await settle();
    const controller = new AbortController();
    const waiting = ask(a, 10, controller.signal);
    const after = ask(a, 10);
    await settle();
    controller.abort();
    await settle();
    expect(waiting.error).toBeInstanceOf(AbortedError);
    first.ticket!.close({ bytes: 10_000, items: 10 });
    await settle();
    expect(after.ticket).toBeDefined();
    expect(ask(a, 1, controller.signal)).toBeDefined();
    await settle();
    expect(a.stats().waiting).toBe(0);
  });

  it('is one per cap', () => {
    const cap = new BandwidthCap({ bytesPerSec: 1_000, clock: new ManualClock(0) });
    expect(capAdmission(cap, 1_000)).toBe(capAdmission(cap, 1_000));
    const other = new BandwidthCap({ bytesPerSec: 1_000, clock: new ManualClock(0) });
    expect(capAdmission(other, 1_000)).not.toBe(capAdmission(cap, 1_000));
  });
});
