/** One Ed25519 check: does `signature` sign `message` under `publicKey`? */
export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * An Ed25519 verifier that follows hotsync's rule (see `ed25519-rule.ts` and the README).
 * Implementations never throw on malformed input: anything the rule refuses is `false`.
 */
export interface SignatureBackend {
  /** `node`, `noble`, or a name of your choosing (shown in logs and measurements). */
  readonly name: string;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Verifies many checks; result[i] is 1 when checks[i] is valid, else 0. */
  verifyBatch?(checks: readonly SignatureCheck[]): Uint8Array;
}

/** The built-in backends, by name (the names a worker thread can instantiate). */
export type BuiltinBackendName = 'node' | 'noble';

/** Runs `checks` through `backend`, using its batch method when it has one. */
export function verifyAllWith(backend: SignatureBackend, checks: readonly SignatureCheck[]): Uint8Array {
  if (backend.verifyBatch) return backend.verifyBatch(checks);
  const out = new Uint8Array(checks.length);
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    out[i] = backend.verify(c.publicKey, c.message, c.signature) ? 1 : 0;
  }
  return out;
}
