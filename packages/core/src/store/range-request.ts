import { assertSafeU64 } from '../encoding/bytes.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Checks the arguments of `blockRangeBytes` and returns the byte budget (unbounded when
 * `maxBytes` is absent). A count of 0 is allowed and returns nothing.
 */
export function checkRangeRequest(
  fromHeight: number,
  maxCount: number,
  maxBytes: number | undefined,
): number {
  assertSafeU64(fromHeight, 'fromHeight');
  assertSafeU64(maxCount, 'maxCount');
  if (maxBytes === undefined) return Number.POSITIVE_INFINITY;
  if (!(maxBytes >= 0)) {
    throw new InvalidArgumentError(
      'arg.out-of-range',
      `maxBytes must be a non-negative number, got ${maxBytes}`,
    );
  }
  return maxBytes;
}
