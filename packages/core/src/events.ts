/**
 * A minimal typed event emitter: `on` returns the unsubscribe function. Listeners run
 * synchronously in subscription order; one that throws does not stop the others, and the
 * first error is rethrown after all have run (as Node's EventEmitter would, but fair).
 */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    let firstError: unknown;
    let failed = false;
    for (const listener of [...set]) {
      try {
        (listener as (p: Events[E]) => void)(payload);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
    if (failed) throw firstError;
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
