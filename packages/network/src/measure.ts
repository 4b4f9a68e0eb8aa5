/**
 * Throughput of the libp2p binding, next to the raw libp2p stream it runs on, measured in
 * one run on loopback with every serving node in its own process:
 *
 *   pnpm build && node packages/network/dist/measure.js [blocks=20000] [servers=4]
 *
 * 1. raw: one libp2p stream (TCP + noise + yamux, 64 KiB sends) from one server, then one
 *    stream from each server at once: the ceiling.
 * 2. download: blocks 1..N through `blocksByRange` (512 per request, 4 in flight per
 *    server) from all servers: the wire protocols without verification.
 * 3. sync: the real SyncManager (the `parallel` strategy when the strategies package has
 *    one, else `incremental`), verifying and executing every block, into an LMDB store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  bytesEqual,
  createMemoryStateMachine,
  createSyncManager,
  fromHex,
  openLmdbChainStore,
  parseSyncConfig,
  SeededRandom,
  type SyncStrategy,
  systemClock,
  toHex,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { createPeerManager } from '@hotsync/peers';
import * as strategies from '@hotsync/strategies';
import { createVerifier } from '@hotsync/validation';
import { createHotsyncNode } from './index.js';
import { StreamReader } from './stream-reader.js';

const BULK = '/hotsync-measure/bulk/1';
const STATE_DEPTH = 10;

if (process.argv[2] === 'serve') await serve(process.argv[3]!, process.argv[4]!);
else await main(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 4));

/** A serving node in its own process: the chain from LMDB, plus a bulk protocol for the raw figure. */
async function serve(path: string, chainIdHex: string): Promise<void> {
  const store = await openLmdbChainStore({ path, noSync: true });
  const config = parseSyncConfig({});
  const peers = createPeerManager({ config, clock: systemClock, random: new SeededRandom(1) });
  const node = await createHotsyncNode({ chainId: fromHex(chainIdHex), store, peers, config });
  await node.libp2p.handle(BULK, async (stream) => {
    const request = new StreamReader(stream, { highWaterMark: 1 << 16 });
    const first = await request.read();
    request.dispose();
    const total = Number(new TextDecoder().decode(first));
    const piece = new Uint8Array(64 * 1024).fill(1);
    for (let sent = 0; sent < total; sent += piece.length) {
      if (!stream.send(piece)) await stream.onDrain();
    }
    await stream.close();
  });
  console.log(JSON.stringify({ addr: node.multiaddrs()[0]!.toString() }));
  // The parent closes our stdin when it is done (or dies): stop cleanly then.
  process.stdin.resume();
  process.stdin.on('end', () => {
    void (async () => {
      await node.stop();
      await store.close();
      process.exit(0);
    })();
  });
}

async function main(blocks: number, serverCount: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hotsync-measure-'));
  const children: ChildProcess[] = [];
  const log = (line: string) => console.log(line);
  try {
    log(`generating ${blocks} blocks into LMDB...`);
    const sourcePath = join(dir, 'source');
    const sourceStore = await openLmdbChainStore({ path: sourcePath, noSync: true });
    const started = Date.now();
    const chain = await generateChain({
      seed: 1,
      blocks,
      epochLength: 5_000,
      store: sourceStore,
      stateMachine: createMemoryStateMachine({ depth: STATE_DEPTH }),
    });
    let chainBytes = 0;
    for (const b of sourceStore.iterateBlocks(1, blocks)) chainBytes += b.bytes.length;
    log(`  ${((Date.now() - started) / 1000).toFixed(1)} s, ${(chainBytes / 1e6).toFixed(1)} MB of blocks`);

    const self = fileURLToPath(import.meta.url);
    const addrs = await Promise.all(
      Array.from({ length: serverCount }, async () => {
        const child = spawn(
          process.execPath,
          [...process.execArgv, self, 'serve', sourcePath, toHex(chain.chainId)],
          {
            stdio: ['pipe', 'pipe', 'inherit'],
          },
        );
        children.push(child);
        const line = await new Promise<string>((resolve, reject) => {
          createInterface({ input: child.stdout! }).once('line', resolve);
          child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
        });
        return (JSON.parse(line) as { addr: string }).addr;
      }),
    );

    const syncPath = join(dir, 'sync');
    const store = await openLmdbChainStore({ path: syncPath, noSync: true });
    const { anchor, genesis } = chain;
    await store.initialize(
      {
        height: 0,
        hash: anchor.blockHash,
        view: genesis.header.view,
        epoch: genesis.header.epoch,
        timestampMs: genesis.header.timestampMs,
        stateRoot: genesis.header.stateRoot,
        validatorSet: anchor.validatorSet,
      },
      { height: 0, hash: anchor.blockHash, bytes: sourceStore.blockBytes(0)! },
    );
    const parallel = (strategies as Record<string, unknown>).parallelStrategy as
      | ((options?: object) => SyncStrategy)
      | undefined;
    const strategy = parallel ? parallel() : strategies.incrementalStrategy({ rangeSize: 256 });
    const config = { strategy: { default: strategy.name } };
    const peers = createPeerManager({
      config: parseSyncConfig(config),
      clock: systemClock,
      random: new SeededRandom(2),
      store,
    });
    const me = await createHotsyncNode({ chainId: chain.chainId, store, peers, config });
    try {
      for (const addr of addrs) await me.dial(addr);
      const deadline = Date.now() + 10_000;
      while (me.sync.connectedPeers().length < serverCount && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const servers = [...me.sync.connectedPeers()];
      log(`${servers.length} serving processes connected`);

      // 1. raw libp2p streams
      const rawBytes = 256 << 20;
      const raw = async (addr: string, total: number) => {
        const stream = await me.libp2p.dialProtocol(
          me.libp2p.getConnections().find((c) => addr.endsWith(c.remotePeer.toString()))!.remotePeer,
          BULK,
        );
        const reader = new StreamReader(stream, { highWaterMark: 1 << 20 });
        stream.send(new TextEncoder().encode(String(total)));
        await stream.close();
        let got = 0;
        for (let p = await reader.read(); p; p = await reader.read()) got += p.length;
        reader.dispose();
        return got;
      };
      let t = performance.now();
      const oneStream = await raw(addrs[0]!, rawBytes);
      const rawOne = oneStream / 1e6 / ((performance.now() - t) / 1000);
      t = performance.now();
      const all = await Promise.all(addrs.map((a) => raw(a, rawBytes / 2)));
      const rawAll = all.reduce((a, b) => a + b, 0) / 1e6 / ((performance.now() - t) / 1000);

      // 2. download only: three passes, the median (one pass is short enough for noise to show).
      const passes: { blocks: number; bytes: number; sec: number }[] = [];
      for (let pass = 0; pass < 3; pass++) {
        t = performance.now();
        let bytes = 0;
        let count = 0;
        let next = 1;
        const worker = async (peer: string) => {
          while (next <= blocks) {
            const from = next;
            next += 512;
            const got = await me.sync.blocksByRange(peer, {
              startHeight: from,
              count: Math.min(512, blocks - from + 1),
            });
            count += got.length;
            for (const b of got) bytes += b.length;
          }
        };
        await Promise.all(servers.flatMap((p) => [worker(p), worker(p), worker(p), worker(p)]));
        passes.push({ blocks: count, bytes, sec: (performance.now() - t) / 1000 });
      }
      passes.sort((a, b) => a.sec - b.sec);
      const download = passes[1]!;

      // 3. the real sync
      const stateMachine = createMemoryStateMachine({ depth: STATE_DEPTH });
      const verifier = createVerifier({ chainId: chain.chainId, clock: systemClock });
      const manager = createSyncManager({
        config,
        anchor,
        store,
        stateMachine,
        verifier,
        peers,
        network: me.sync,
        strategies: [strategy],
        clock: systemClock,
      });
      peers.start();
      t = performance.now();
      const outcome = await manager.start();
      const syncSec = (performance.now() - t) / 1000;
      await manager.stop();
      await verifier.close();
      await peers.stop();
      const same = outcome.kind === 'synced' && bytesEqual(store.tip()!.hash, sourceStore.tip()!.hash);

      const mb = (bytes: number, sec: number) => `${(bytes / 1e6 / sec).toFixed(0)} MB/s`;
      log('');
      log(
        `hotsync network measurement: ${blocks} blocks (${(chainBytes / blocks).toFixed(0)} B avg), ${servers.length} servers in separate processes, loopback, node ${process.version}`,
      );
      log(`  raw libp2p stream, 64 KiB sends, 1 stream        ${rawOne.toFixed(0)} MB/s`);
      log(`  raw libp2p streams, 1 per server at once         ${rawAll.toFixed(0)} MB/s`);
      log(
        `  blocks_by_range download (no verification)       ${(download.blocks / download.sec).toFixed(0)} blocks/s, ${mb(download.bytes, download.sec)}`,
      );
      log(
        `  SyncManager sync (${strategy.name}, verify + execute)  ${(blocks / syncSec).toFixed(0)} blocks/s, ${mb(chainBytes, syncSec)} (${syncSec.toFixed(1)} s, ${outcome.kind}${same ? ', tip equals source' : ', TIP DIFFERS'})`,
      );
      if (!same) process.exitCode = 1;
    } finally {
      await me.stop();
      await store.close();
      await sourceStore.close();
    }
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.stdin?.end();
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}
