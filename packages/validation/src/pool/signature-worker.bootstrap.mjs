// Source-mode entry of the signature worker (vitest, `node --import tsx`): a worker thread
// does not inherit vitest's TypeScript loader, so register tsx first, then load the worker.
// The published package spawns dist/pool/signature-worker.js directly and never loads this.
import { register } from 'tsx/esm/api';

register();
await import('./signature-worker.ts');
