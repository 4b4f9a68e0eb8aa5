import { InvalidArgumentError } from '../errors.js';

/**
 * Upper bounds the decoder enforces before allocating anything, so a hostile peer cannot
 * make a node allocate more than these. Override per chain; the defaults suit the reference chain.
 */
export interface CodecLimits {
  readonly maxValidators: number;
  readonly maxTransactions: number;
  readonly maxTransactionBytes: number;
  readonly maxPayloadBytes: number;
  /** Any single encoded message (a block, a chunk, a proof). */
  readonly maxMessageBytes: number;
}

export const DEFAULT_CODEC_LIMITS: CodecLimits = Object.freeze({
  maxValidators: 1024,
  maxTransactions: 65_536,
  maxTransactionBytes: 1 << 20,
  maxPayloadBytes: 8 << 20,
  maxMessageBytes: 16 << 20,
});

export function codecLimits(overrides: Partial<CodecLimits> = {}): CodecLimits {
  const limits = { ...DEFAULT_CODEC_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffffffff) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `codec limit ${name} must be an integer in 1..2^32-1`,
      );
    }
  }
  return Object.freeze(limits);
}
