import { type SignatureBackend, type SignatureCheck, verifyAllWith } from '../backends/signature-backend.js';

/**
 * Runs batches of signature checks somewhere (the main thread, a worker pool). result[i] is
 * 1 when checks[i] is valid: callers map a 0 back to the block and signer it came from.
 */
export interface SignatureRunner {
  verifyAll(checks: readonly SignatureCheck[], signal?: AbortSignal): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Checks everything on the calling thread. */
export function mainThreadRunner(backend: SignatureBackend): SignatureRunner {
  return {
    verifyAll: async (checks) => verifyAllWith(backend, checks),
    close: async () => {},
  };
}
