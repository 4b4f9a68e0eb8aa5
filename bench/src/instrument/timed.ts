import type { Section, SectionClock } from './section-clock.js';

/**
 * `target` with every method call (its synchronous part) charged to `section`. Methods run
 * with the target itself as `this`, so its internal calls are not counted twice.
 */
export function timed<T extends object>(target: T, clock: SectionClock, section: Section): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, property) {
      const value: unknown = Reflect.get(t, property, t);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(property);
      if (!fn) {
        const method = value as (...args: unknown[]) => unknown;
        fn = (...args: unknown[]) => clock.run(section, () => method.apply(t, args));
        wrapped.set(property, fn);
      }
      return fn;
    },
  });
}
