/** A timer waiting in a `TimerQueue`. */
export interface QueuedTimer {
  readonly due: number;
  /** Order of scheduling: among timers due at the same time, the earlier one fires first. */
  readonly seq: number;
  // Replaced by a no-op on cancel: a cancelled timer must not keep what its callback captured alive.
  callback: () => void;
  /** Waiting in the queue, taken out by `pop`, or cancelled (never returned). */
  state: 'queued' | 'taken' | 'cancelled';
}

const noop = () => {};

/**
 * The pending timers of a manual clock, earliest (due, seq) first: a binary min-heap, so
 * scheduling and taking the next timer cost O(log n) however many are pending. Cancelling
 * is O(1): the timer stays in the heap, marked, until it reaches the top or until marked
 * timers outnumber live ones, when they are swept out in one O(n) pass. (A sorted array
 * did this with a splice per schedule and a shift per fire: O(n) each, so a test that
 * scheduled and cancelled 1.4M timers without advancing, then advanced, spent minutes.)
 *
 * Why not a library: the clock needs cancellation with a sweep bound and nothing else; a
 * heap is 60 lines, and core keeps its dependencies to lmdb, zod and pure-rand.
 */
export class TimerQueue {
  private readonly heap: QueuedTimer[] = [];
  private cancelledInHeap = 0;

  /** Timers that have neither fired nor been cancelled. */
  get size(): number {
    return this.heap.length - this.cancelledInHeap;
  }

  /** Timers held, cancelled ones not yet swept included: at most twice `size`, plus 1,024. */
  get stored(): number {
    return this.heap.length;
  }

  push(timer: QueuedTimer): void {
    this.heap.push(timer);
    this.siftUp(this.heap.length - 1);
  }

  /** Marks `timer` cancelled (it will never be returned); a no-op for one already taken or cancelled. */
  cancel(timer: QueuedTimer): void {
    if (timer.state !== 'queued') return;
    timer.state = 'cancelled';
    timer.callback = noop;
    this.cancelledInHeap++;
    if (this.cancelledInHeap > 1024 && this.cancelledInHeap * 2 > this.heap.length) this.sweep();
  }

  /** The earliest live timer, left in place. */
  peek(): QueuedTimer | undefined {
    this.dropCancelledTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest live timer. */
  pop(): QueuedTimer | undefined {
    this.dropCancelledTop();
    const top = this.removeTop();
    if (top) top.state = 'taken';
    return top;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.state === 'cancelled') {
      this.removeTop();
      this.cancelledInHeap--;
    }
  }

  private removeTop(): QueuedTimer | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top !== last && last !== undefined) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Drops every cancelled timer and restores the heap order (Floyd's heapify, O(n)). */
  private sweep(): void {
    let kept = 0;
    for (const timer of this.heap) if (timer.state !== 'cancelled') this.heap[kept++] = timer;
    this.heap.length = kept;
    this.cancelledInHeap = 0;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const timer = heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!earlier(timer, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = timer;
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const timer = heap[at]!;
    const n = heap.length;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && earlier(heap[child + 1]!, heap[child]!)) child++;
      if (!earlier(heap[child]!, timer)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = timer;
  }
}

function earlier(a: QueuedTimer, b: QueuedTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
