/**
 * The wire messages of DESIGN §8, independent of libp2p: protocol ids, request and
 * response encodings with their limits, and the honest request handler. The libp2p
 * binding (@hotsync/network) and the simulator (@hotsync/simnet) share them, so simulated
 * byte counts and decode failures are the real ones.
 *
 * - Protocol id: `/hotsync/<first 8 hex of the chain id>/<method>/1`; methods `status`,
 *   `blocks_by_range`, `blocks_by_hash`, `commit_proof`, `epoch_change_proof`,
 *   `snapshot_manifest`, `snapshot_chunk`.
 * - Request: `u32 length ‖ body` (request-codec.ts lists the bodies).
 * - Response: chunks `u8 result ‖ u32 length ‖ payload`, result 0 ok, 1 invalid-request,
 *   2 server-error, 3 unavailable, 4 rate-limited. Ok payloads: one item each (a raw
 *   block, a status message, a commit proof, an epoch change, a manifest, a chunk); an
 *   error payload is a UTF-8 message (≤ 256 bytes) after a u32 retry-after for
 *   rate-limited, and ends the response.
 */
export * from './epoch-change.js';
export * from './limits.js';
export * from './methods.js';
export * from './reply.js';
export * from './request-codec.js';
export * from './response-frame.js';
export * from './serve.js';
export * from './status-message.js';
export * from './wire-sync-network.js';
