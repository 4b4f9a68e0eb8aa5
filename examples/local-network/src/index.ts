/**
 * @hotsync/example-local-network: `pnpm demo` (see README.md).
 *
 * @packageDocumentation
 */
export { parseCli, USAGE } from './args.js';
export {
  type DemoIo,
  type LocalNetworkDemoOptions,
  type LocalNetworkDemoResult,
  runLocalNetworkDemo,
  STATE_DEPTH,
  VALIDATORS,
} from './demo.js';
export { describeDecisions, summaryLines } from './summary.js';
