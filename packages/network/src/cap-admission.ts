import { AbortedError, type BandwidthCap, type WireMethod } from '@hotsync/core';

/** A request admitted under the cap: it reports what it read, and closes once done (ok or not). */
export interface CapTicket {
  /** `bytes` of the response were read (they no longer wait to be read). */
  read(bytes: number): void;
  /**
   * The request is over; `learned` (a response read in full) teaches the expected size of
   * its method's responses. Idempotent.
   */
  close(learned?: { readonly bytes: number; readonly items: number }): void;
}

interface Pending {
  readonly method: WireMethod;
  readonly items: number;
  readonly resolve: (ticket: CapTicket) => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** Weight of the newest response in a method's expected bytes per item. */
const LEARN_WEIGHT = 0.5;

/**
 * Admission control under the download cap (`network.bandwidthCapBytesPerSec`).
 *
 * An honest server gives a requester `timeouts.inboundResponseMs` to read a response and
 * aborts it after that. The cap splits its budget among every response in flight, so
 * with many (or large) responses at once each is read so slowly that the servers cut them
 * all off: honest peers look broken, and the same bytes are downloaded again. So a request
 * is sent only once the bytes still owed to the requests in flight (each one's expected
 * size less what it read) plus its own expected size can be read within half that window
 * at the cap's rate (`budgetBytes`); until then it waits, in order of asking, before
 * anything is sent: its deadlines do not run, since this is our own throttling, never the
 * peer's slowness. A request whose size is not known yet (the first of its method), or
 * larger than the whole budget, is sent alone. Expected sizes are learned per method from
 * the responses read, per item (block) for block requests; `boundCount` shortens a range
 * request to what the cap reads within the whole window (servers return partial ranges
 * anyway, at their response size limit). The servers' window is taken to be our own
 * `inboundResponseMs`: what honest nodes of the same configuration allow.
 *
 * One per cap (one per node). Nothing here runs on time: requests wait only for others to
 * read or finish.
 */
export class CapAdmission {
  /** Bytes the cap reads within the servers' response window. */
  readonly windowBytes: number;
  /** Half of that: what the requests in flight may owe together. */
  readonly budgetBytes: number;
  private owed = 0;
  private inFlight = 0;
  private readonly queue: Pending[] = [];
  private readonly perItem = new Map<WireMethod, number>();
  private admittedCount = 0;
  private queuedCount = 0;

  constructor(cap: BandwidthCap, responseWindowMs: number) {
    this.windowBytes = Math.max(1, Math.floor((cap.bytesPerSec * responseWindowMs) / 1_000));
    this.budgetBytes = Math.max(1, Math.floor(this.windowBytes / 2));
  }

  /** The bytes a response to `items` items of `method` is expected to take; undefined before the first one. */
  expectedBytes(method: WireMethod, items: number): number | undefined {
    const per = this.perItem.get(method);
    return per === undefined ? undefined : Math.ceil(per * items);
  }

  /**
   * The number of blocks of a range request (at least 1, at most `count`) whose response
   * the cap reads within the servers' whole response window (more than the budget: such a
   * request goes alone).
   */
  boundCount(count: number): number {
    const per = this.perItem.get('blocks_by_range');
    if (per === undefined || per <= 0) return count;
    return Math.max(1, Math.min(count, Math.floor(this.windowBytes / per)));
  }

  /**
   * Resolves once a request of `items` items of `method` may be sent; rejects with
   * AbortedError when `signal` aborts first (the request leaves the queue).
   */
  admit(method: WireMethod, items: number, signal?: AbortSignal): Promise<CapTicket> {
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    if (this.queue.length === 0 && this.fits(this.expectedBytes(method, items))) {
      return Promise.resolve(this.ticket(method, items));
    }
    this.queuedCount++;
    return new Promise<CapTicket>((resolve, reject) => {
      const pending: Pending = {
        method,
        items,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.queue.indexOf(pending);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(new AbortedError(signal?.reason));
          if (at === 0) this.pump();
        },
      };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
    });
  }

  /** What admission did so far (requests let through, how many of them waited) and its state now. */
  stats(): CapAdmissionStats {
    return {
      admitted: this.admittedCount,
      queued: this.queuedCount,
      waiting: this.queue.length,
      inFlight: this.inFlight,
      owedBytes: this.owed,
    };
  }

  /** Alone always; else only a known size within what the budget has left. */
  private fits(expected: number | undefined): boolean {
    if (this.inFlight === 0) return true;
    return expected !== undefined && this.owed + expected <= this.budgetBytes;
  }

  private ticket(method: WireMethod, items: number): CapTicket {
    this.admittedCount++;
    this.inFlight++;
    // Unknown size: it went alone, and owes the whole budget until it reads.
    let owed = this.expectedBytes(method, items) ?? this.budgetBytes;
    this.owed += owed;
    let open = true;
    return {
      read: (bytes) => {
        if (!open || owed === 0) return;
        const paid = Math.min(owed, bytes);
        owed -= paid;
        this.owed -= paid;
        this.pump();
      },
      close: (learned) => {
        if (!open) return;
        open = false;
        this.owed -= owed;
        owed = 0;
        this.inFlight--;
        if (learned && learned.items > 0) this.learn(method, learned.bytes / learned.items);
        this.pump();
      },
    };
  }

  private learn(method: WireMethod, bytesPerItem: number): void {
    const before = this.perItem.get(method);
    this.perItem.set(
      method,
      before === undefined ? bytesPerItem : before + LEARN_WEIGHT * (bytesPerItem - before),
    );
  }

  /** Lets the queue's head through while it fits, in order of asking. */
  private pump(): void {
    for (;;) {
      const head = this.queue[0];
      if (!head || !this.fits(this.expectedBytes(head.method, head.items))) return;
      this.queue.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve(this.ticket(head.method, head.items));
    }
  }
}

/** See `CapAdmission.stats`. */
export interface CapAdmissionStats {
  /** Requests let through. */
  readonly admitted: number;
  /** Of those asked, how many had to wait (counted when they started waiting). */
  readonly queued: number;
  /** Requests waiting now. */
  readonly waiting: number;
  /** Requests admitted and not yet over. */
  readonly inFlight: number;
  /** Expected bytes not yet read by the requests in flight. */
  readonly owedBytes: number;
}

const admissions = new WeakMap<BandwidthCap, CapAdmission>();

/** The admission control of `cap` (one per cap, so one per node), made on first use. */
export function capAdmission(cap: BandwidthCap, responseWindowMs: number): CapAdmission {
  let admission = admissions.get(cap);
  if (!admission) {
    admission = new CapAdmission(cap, responseWindowMs);
    admissions.set(cap, admission);
  }
  return admission;
}
