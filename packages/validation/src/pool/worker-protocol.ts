import type { BuiltinBackendName } from '../backends/signature-backend.js';

/** What a signature worker is started with. */
export interface SignatureWorkerData {
  readonly backend: BuiltinBackendName;
}

/** Main thread → worker: one packed batch (see batch-codec.ts). */
export interface SignatureRequest {
  readonly id: number;
  readonly batch: ArrayBuffer;
}

/** Worker → main thread: one result byte per check (1 = valid), or why the batch failed. */
export type SignatureResponse =
  | { readonly id: number; readonly ok: true; readonly results: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly error: string };
