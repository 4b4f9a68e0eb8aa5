import { DEFAULT_CODEC_LIMITS } from '../chain/limits.js';
import { InvalidArgumentError } from '../errors.js';
import { HASH_LENGTH } from '../hashing.js';

/**
 * Bounds of the wire protocols (DESIGN §8), checked before anything is allocated: a node
 * refuses larger requests and stops reading larger responses. Both sides use the same
 * values by default; a server never sends a response its own limits would refuse.
 */
export interface WireLimits {
  /** Largest request body (after its u32 length prefix). */
  readonly maxRequestBytes: number;
  /** Largest `count` of a blocks_by_range request. */
  readonly maxBlocksPerRequest: number;
  /** Most hashes in a blocks_by_hash request. */
  readonly maxHashesPerRequest: number;
  /** Largest payload of one response chunk (a block, a proof, a snapshot chunk). */
  readonly maxMessageBytes: number;
  /** Most ok chunks (blocks) in one response. */
  readonly maxBlocksPerResponse: number;
  /** Largest response, framing included. */
  readonly maxResponseBytes: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = Object.freeze({
  maxRequestBytes: 16 * 1024,
  maxBlocksPerRequest: 512,
  maxHashesPerRequest: 64,
  maxMessageBytes: DEFAULT_CODEC_LIMITS.maxMessageBytes,
  maxBlocksPerResponse: 512,
  maxResponseBytes: 32 << 20,
});

/** The defaults with `overrides`, checked: every limit a positive u32, room for a full hash request. */
export function wireLimits(overrides: Partial<WireLimits> = {}): WireLimits {
  const limits = { ...DEFAULT_WIRE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffffffff) {
      throw new InvalidArgumentError(
        'arg.out-of-range',
        `wire limit ${name} must be an integer in 1..2^32-1`,
      );
    }
  }
  if (limits.maxRequestBytes < 4 + limits.maxHashesPerRequest * HASH_LENGTH) {
    throw new InvalidArgumentError(
      'arg.out-of-range',
      `maxRequestBytes ${limits.maxRequestBytes} cannot hold ${limits.maxHashesPerRequest} hashes`,
    );
  }
  return Object.freeze(limits);
}
