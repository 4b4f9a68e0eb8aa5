/**
 * @hotsync/validation: the verification pipeline of DESIGN §3 (structure, consensus rules,
 * QC signatures, state roots), two Ed25519 backends that follow one rule, and a worker pool.
 *
 * @packageDocumentation
 */

export { createBuiltinBackend } from './backends/builtin.js';
export {
  checkPublicKey,
  checkSignature,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  type Ed25519Rejection,
  isCanonicalPointEncoding,
  isCanonicalScalar,
  isSmallOrderEncoding,
  precheck,
  SMALL_ORDER_Y,
} from './backends/ed25519-rule.js';
export { createNobleBackend, type NobleBackendOptions } from './backends/noble-backend.js';
export { createNodeBackend, type NodeBackendOptions } from './backends/node-backend.js';
export {
  type BuiltinBackendName,
  type SignatureBackend,
  type SignatureCheck,
  verifyAllWith,
} from './backends/signature-backend.js';
export { type CommitProofShape, checkCommitProofShape, type SetLookup } from './commit-proof.js';
export { ValidationError, type ValidationErrorCode } from './errors.js';
export {
  resolveWorkerCount,
  SignaturePool,
  type SignaturePoolOptions,
  type SignaturePoolStats,
} from './pool/signature-pool.js';
export { mainThreadRunner, type SignatureRunner } from './pool/signature-runner.js';
export { SafetyMonitor, type SafetyMonitorOptions } from './safety-monitor.js';
export { checkQcShape, type QcSummary, type QcTask, verifyQcs } from './stages/signatures.js';
export type { StateRange } from './stages/state.js';
export {
  type BlockChainRequest,
  createVerifier,
  type VerifiedBlockRange,
  Verifier,
  type VerifierOptions,
} from './verifier.js';
