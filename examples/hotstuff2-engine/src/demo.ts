import { parseArgs } from 'node:util';
import { systemClock, toHex } from '@hotsync/core';
import { LocalNetwork } from './local-network.js';
import { storedBlocks, verifyCommittedChain } from './verify-chain.js';

/*
 * A live demo on the wall clock: four validators in one process over a MemoryHub continue a
 * generated history; one goes silent for a while (its views time out), comes back, and at the
 * end the committed chain is verified the way a syncing node would (full mode, state replay).
 *   pnpm build && node examples/hotstuff2-engine/dist/demo.js [--seconds 6]
 */
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' } } });
const seconds = Number(values.seconds);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const net = await LocalNetwork.create({
  seed: 7,
  historyBlocks: 100,
  clock: systemClock,
  proposeDelayMs: 100,
  timing: { baseTimeoutMs: 500, maxTimeoutMs: 4_000 },
});
const start = net.chain.tip;
const n0 = net.nodes[0]!;
n0.engine.on('committed', ({ blocks }) => {
  for (const b of blocks) {
    const h = b.header;
    console.log(
      `  committed #${h.height} view ${h.view} by validator ${h.proposer}, ${b.payload.length} txs`,
    );
  }
});
n0.engine.on('timeout', ({ view, nextTimeoutMs }) =>
  console.log(`  view ${view} timed out (next timer ${nextTimeoutMs} ms)`),
);

console.log(`continuing a generated history at height ${start.height}, 4 validators`);
await net.start();
await sleep((seconds * 1000) / 3);
console.log('validator 2 goes silent');
await net.nodes[2]!.engine.pause('demo');
await sleep((seconds * 1000) / 3);
console.log('validator 2 is back');
await net.nodes[2]!.engine.deliverCommitted(
  storedBlocks(n0.store, net.nodes[2]!.engine.committedHeight() + 1, n0.engine.committedHeight()),
);
await net.nodes[2]!.engine.resume(n0.engine.committedHeight() + 1);
await sleep((seconds * 1000) / 3);
await net.stop();

const tip = n0.store.tip()!;
console.log(`stopped at height ${tip.height} (${toHex(tip.hash).slice(0, 16)}…)`);
const history = await net.freshHistory();
const verified = await verifyCommittedChain(
  n0.store,
  start,
  net.chain.chainId,
  systemClock,
  history.stateMachine,
);
console.log('verified by @hotsync/validation (full mode, roots replayed):', verified);
