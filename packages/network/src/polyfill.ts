/**
 * `Promise.withResolvers` for Node 20.
 *
 * libp2p 3, @chainsafe/libp2p-yamux 8, @chainsafe/libp2p-noise 17 and @libp2p/utils 7 call
 * `Promise.withResolvers` (ES2024), which Node 20 lacks: without it every inbound connection
 * upgrade fails with `EncryptionFailedError` and the dialer sees only `ECONNRESET`. This
 * module installs the method, spec-shaped (non-enumerable, honours subclasses through
 * `this`), and only where it is missing: on Node 22+ it does nothing. It is the package's
 * one deliberate global side effect; `@hotsync/network` imports it before anything else,
 * and applications that create libp2p nodes without this package's entry can import
 * `@hotsync/network/polyfill` (or `node --import @hotsync/network/polyfill`).
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type WithResolvers = <T>(this: PromiseConstructor) => Resolvers<T>;

const PromiseCtor = Promise as PromiseConstructor & { withResolvers?: WithResolvers };

/** True when this module had to install the method (Node 20), false when the runtime has it. */
export const promiseWithResolversPolyfilled: boolean = typeof PromiseCtor.withResolvers !== 'function';

if (promiseWithResolversPolyfilled) {
  const withResolvers: WithResolvers = function <T>(this: PromiseConstructor): Resolvers<T> {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    // `this` rather than `Promise`: `SubPromise.withResolvers()` builds a SubPromise, as in the spec.
    const promise = new this<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  Object.defineProperty(PromiseCtor, 'withResolvers', {
    value: withResolvers,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
