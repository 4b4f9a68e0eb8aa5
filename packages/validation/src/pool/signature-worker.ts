import { parentPort, workerData } from 'node:worker_threads';
import { createBuiltinBackend } from '../backends/builtin.js';
import { verifyAllWith } from '../backends/signature-backend.js';
import { unpackChecks } from './batch-codec.js';
import type { SignatureRequest, SignatureResponse, SignatureWorkerData } from './worker-protocol.js';

/*
 * Worker thread entry: verifies packed batches with a built-in backend. It imports nothing
 * from @hotsync/core, so it loads the same from dist/ and (through the tsx bootstrap) from src/.
 */

const port = parentPort;
if (port) {
  const backend = createBuiltinBackend((workerData as SignatureWorkerData).backend);
  port.on('message', (request: SignatureRequest) => {
    let response: SignatureResponse;
    try {
      const results = verifyAllWith(backend, unpackChecks(request.batch));
      response = { id: request.id, ok: true, results };
      port.postMessage(response, [results.buffer as ArrayBuffer]);
    } catch (error) {
      response = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
      port.postMessage(response);
    }
  });
}
