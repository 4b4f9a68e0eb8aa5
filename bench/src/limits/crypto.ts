import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeBlock, fromHex, openLmdbChainStore, voteSignBytes } from '@hotsync/core';
import { BenchError } from '../errors.js';
import type { ChildIo } from '../ipc/child-io.js';
import type { CryptoLimitResult, CryptoLimitTask } from '../ipc/tasks.js';
import { median } from '../stats.js';

interface Vote {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

const VOTE_BLOCKS = 500;

/**
 * The crypto limit: Ed25519 verifications per second with node:crypto (OpenSSL) and
 * KeyObjects cached per validator, exactly the work of hotsync's `node` backend without its
 * byte-level pre-check, over the chain's own votes. On one thread, then one worker thread
 * per core (`os.availableParallelism()`) all at once: what the machine gives right now.
 */
export async function measureCrypto(task: CryptoLimitTask, io: ChildIo): Promise<CryptoLimitResult> {
  const votes = await chainVotes(task);
  const keys = new Map<string, KeyObject>();
  const keyOf = (publicKey: Uint8Array): KeyObject => {
    const x = Buffer.from(publicKey).toString('base64url');
    let key = keys.get(x);
    if (!key) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
      keys.set(x, key);
    }
    return key;
  };
  const prepared = votes.map((v) => ({
    key: keyOf(v.publicKey),
    message: v.message,
    signature: v.signature,
  }));
  const oneCore: number[] = [];
  for (let r = 0; r < task.repetitions; r++) {
    const started = performance.now();
    const until = started + task.seconds * 1000;
    let n = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 64; i++, n++) {
        const v = prepared[n % prepared.length]!;
        if (!verify(null, v.message, v.key, v.signature))
          throw new BenchError('bench.cache', 'a vote did not verify');
      }
    }
    oneCore.push(n / ((performance.now() - started) / 1000));
  }
  const threads = availableParallelism();
  const allCores: number[] = [];
  for (let r = 0; r < task.repetitions; r++) allCores.push(await workersRate(votes, threads, task.seconds));
  io.log(
    `ed25519: ${median(oneCore).toFixed(0)}/s on 1 thread, ${median(allCores).toFixed(0)}/s on ${threads}`,
  );
  return { oneCore: median(oneCore), allCores: median(allCores), threads };
}

async function chainVotes(task: CryptoLimitTask): Promise<Vote[]> {
  const chainId = fromHex(task.meta.chainIdHex);
  const store = await openLmdbChainStore({ path: task.meta.chainPath, noSync: true });
  try {
    const votes: Vote[] = [];
    for (const stored of store.iterateBlocks(2, Math.min(task.meta.tipHeight, VOTE_BLOCKS + 1))) {
      const qc = decodeBlock(stored.bytes).justify;
      const set = store.validatorSet(qc.vote.epoch);
      if (!set) throw new BenchError('bench.cache', `no validator set for epoch ${qc.vote.epoch}`);
      const message = voteSignBytes(chainId, qc.vote);
      let s = 0;
      set.validators.forEach((v, i) => {
        if ((qc.signers[i >> 3]! & (1 << (i & 7))) === 0) return;
        votes.push({ publicKey: v.publicKey, message, signature: qc.signatures[s++]! });
      });
    }
    return votes;
  } finally {
    await store.close();
  }
}

// Plain JS, so the worker needs no loader (under tsx or not): verifies for `seconds` and reports its rate.
const WORKER_CODE = `
const { createPublicKey, verify } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const keys = new Map();
const votes = workerData.votes.map((v) => {
  const x = Buffer.from(v.publicKey).toString('base64url');
  let key = keys.get(x);
  if (!key) { key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }); keys.set(x, key); }
  return { key, message: v.message, signature: v.signature };
});
parentPort.once('message', () => {
  const started = performance.now();
  const until = started + workerData.seconds * 1000;
  let n = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 64; i++, n++) { const v = votes[n % votes.length]; verify(null, v.message, v.key, v.signature); }
  }
  parentPort.postMessage(n / ((performance.now() - started) / 1000));
});`;

/** All threads verify at once (released together once every one is ready); their rates add up. */
async function workersRate(votes: readonly Vote[], threads: number, seconds: number): Promise<number> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER_CODE, { eval: true, workerData: { votes, seconds } }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
    const rates = workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    for (const w of workers) w.postMessage('go');
    return (await Promise.all(rates)).reduce((a, b) => a + b, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
