import { createNobleBackend } from './noble-backend.js';
import { createNodeBackend } from './node-backend.js';
import type { BuiltinBackendName, SignatureBackend } from './signature-backend.js';

export function createBuiltinBackend(name: BuiltinBackendName): SignatureBackend {
  switch (name) {
    case 'node':
      return createNodeBackend();
    case 'noble':
      return createNobleBackend();
  }
}
