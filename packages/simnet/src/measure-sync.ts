/**
 * How fast simnet simulates a real sync: `node --import tsx packages/simnet/src/measure-sync.ts [blocks] [servers] [clients] [mode]`
 * (defaults 10000 4 6 anchored). Generates the chain once (timed apart), then runs fresh nodes
 * syncing it with the test-side simple client (ranges of 256, verified with
 * @hotsync/validation, committed; executed through the state machine or not) and prints
 * wall-clock and virtual time of each run.
 */
import type { VerificationMode } from '@hotsync/core';
import { SimChain } from './chain/sim-chain.js';
import { simpleSync } from './fixtures/simple-sync.fixture.js';
import { expectNoInvalidBlockStored, expectSyncedToHonestTip } from './scenario/assertions.js';
import { runScenario } from './scenario/runner.js';
import type { NodeSpec } from './scenario/types.js';

const blocks = Number(process.argv[2] ?? 10_000);
const servers = Number(process.argv[3] ?? 4);
const clients = Number(process.argv[4] ?? 6);
const mode = (process.argv[5] ?? 'anchored') as VerificationMode;

const generating = performance.now();
const chain = await SimChain.generate({ seed: 1, blocks, epochLength: 2_500, batchSize: 256 });
const generationMs = performance.now() - generating;

console.log(
  `chain: ${blocks} blocks generated in ${(generationMs / 1000).toFixed(1)} s (not part of the simulation)`,
);
for (const applyState of [true, false]) {
  const nodes: NodeSpec[] = [
    ...Array.from(
      { length: servers },
      (_, i): NodeSpec => ({ id: `server-${i}`, role: 'serve', chain: 'main' }),
    ),
    ...Array.from(
      { length: clients },
      (_, i): NodeSpec => ({
        id: `client-${i}`,
        role: 'sync',
        chain: 'main',
        sync: simpleSync({ batchSize: 256, mode, applyState }),
      }),
    ),
  ];
  const result = await runScenario({
    seed: 42,
    chains: { main: chain },
    nodes,
    links: { default: { latency: { baseMs: 20, jitterMs: 10 }, bandwidthBytesPerSec: 12_500_000, loss: 0 } },
    until: { deadlineMs: 3_600_000, condition: 'all-synced' },
  });
  expectSyncedToHonestTip(result);
  expectNoInvalidBlockStored(result);
  const { report } = result;
  const received = Object.values(report.nodes)
    .filter((n) => n.role === 'sync')
    .reduce((sum, n) => sum + n.totals.bytesReceived, 0);
  console.log(
    [
      `${servers + clients} nodes (${servers} serving, ${clients} syncing; ${mode} verification${applyState ? ' + state execution' : ', no execution'}):`,
      `  tip reached after ${(report.virtualTimeMs / 1000).toFixed(1)} s of virtual time, ${(received / 1e6).toFixed(1)} MB delivered`,
      `  real time ${(result.realTimeMs / 1000).toFixed(2)} s (${report.steps} scheduler steps, ${report.traceEvents} network events; ${((clients * blocks) / (result.realTimeMs / 1000)).toFixed(0)} blocks synced per real second)`,
    ].join('\n'),
  );
}
