import { HotsyncError } from '@hotsync/core';

export type SimnetErrorCode =
  | 'simnet.invalid-option'
  | 'simnet.unknown-node'
  | 'simnet.duplicate-node'
  | 'simnet.unknown-chain'
  | 'simnet.failed'
  | 'simnet.assertion';

/**
 * A simulation was set up wrongly, failed while running, or an assertion on its outcome
 * did not hold. Carries the seed, so the failing run can be replayed exactly.
 */
export class SimnetError extends HotsyncError<SimnetErrorCode> {
  readonly seed: number | undefined;
  constructor(code: SimnetErrorCode, message: string, options: { seed?: number; cause?: unknown } = {}) {
    const where = options.seed === undefined ? '' : ` [seed ${options.seed}: rerun with this seed to replay]`;
    super(code, `${message}${where}`, { seed: options.seed }, { cause: options.cause });
    this.seed = options.seed;
  }
}
