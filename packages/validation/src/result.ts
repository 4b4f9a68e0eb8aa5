import type {
  PeerId,
  SafetyEvidence,
  Verification,
  VerificationCheck,
  VerificationFailure,
} from '@hotsync/core';

/** Where a failure happened and whom to blame. */
export interface FailureSite {
  readonly height?: number | undefined;
  readonly peer?: PeerId | undefined;
  readonly evidence?: SafetyEvidence | undefined;
}

export function failure(
  check: VerificationCheck,
  message: string,
  site: FailureSite = {},
): VerificationFailure {
  // Only defined keys: failures are compared and logged, and `peer: undefined` reads as a blame.
  return {
    check,
    message,
    ...(site.height !== undefined && { height: site.height }),
    ...(site.peer !== undefined && { peer: site.peer }),
    ...(site.evidence !== undefined && { evidence: site.evidence }),
  };
}

export function fail<T>(check: VerificationCheck, message: string, site: FailureSite = {}): Verification<T> {
  return { ok: false, failure: failure(check, message, site) };
}

export function ok<T>(value: T): Verification<T> {
  return { ok: true, value };
}

/** First 8 bytes of a hash in hex, for messages. */
export function short(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, Math.min(8, hash.byteLength)).toString('hex');
}
