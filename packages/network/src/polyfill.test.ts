import { describe, expect, it } from 'vitest';
import { promiseWithResolversPolyfilled } from './index.js';

type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
};

describe('the Promise.withResolvers polyfill', () => {
  it('is installed by the package entry exactly when the runtime lacks it', async () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(promiseWithResolversPolyfilled).toBe(major < 22);
    const withResolvers = (Promise as unknown as { withResolvers: WithResolvers }).withResolvers;
    expect(typeof withResolvers).toBe('function');
    expect(Object.keys(Promise)).not.toContain('withResolvers'); // non-enumerable, as the built-in
    const { promise, resolve } = withResolvers.call(Promise) as ReturnType<WithResolvers>;
    resolve(42);
    await expect(promise).resolves.toBe(42);
    const failed = withResolvers.call(Promise) as ReturnType<WithResolvers>;
    failed.reject(new Error('no'));
    await expect(failed.promise).rejects.toThrow('no');
  });

  it('builds instances of a subclass when called on one', () => {
    class Sub<T> extends Promise<T> {}
    const withResolvers = (Promise as unknown as { withResolvers: WithResolvers }).withResolvers;
    const { promise, resolve } = withResolvers.call(Sub) as ReturnType<WithResolvers>;
    resolve(1);
    expect(promise).toBeInstanceOf(Sub);
  });
});
