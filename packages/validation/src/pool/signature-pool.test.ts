import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AbortedError, deriveSigningKey, type QuorumCertificate, signBytes, signQc } from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeBackend } from '../backends/node-backend.js';
import type { SignatureCheck } from '../backends/signature-backend.js';
import { ValidationError } from '../errors.js';
import { keyedSet } from '../fixtures/hand-chain.fixture.js';
import { verifyQcs } from '../stages/signatures.js';
import { packChecks, unpackChecks } from './batch-codec.js';
import { SignaturePool } from './signature-pool.js';
import { mainThreadRunner } from './signature-runner.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../../', import.meta.url));

/** `count` checks over 7 keys and 5 messages; every 37th signature has a flipped bit. */
function mixedChecks(count: number): SignatureCheck[] {
  const keys = Array.from({ length: 7 }, (_, i) => deriveSigningKey('pool', i));
  const messages = Array.from({ length: 5 }, (_, i) => new Uint8Array([i, 1, 2, 3]));
  return Array.from({ length: count }, (_, i) => {
    const key = keys[i % keys.length]!;
    const message = messages[i % messages.length]!;
    const signature = signBytes(key, message).slice();
    if (i % 37 === 5) signature[i % 64]! ^= 0x10;
    return { publicKey: key.publicKey, message, signature };
  });
}

const pools: SignaturePool[] = [];
function pool(options: ConstructorParameters<typeof SignaturePool>[0]): SignaturePool {
  const p = new SignaturePool(options);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('batch codec', () => {
  it('round-trips checks, storing each shared message once', () => {
    const checks = mixedChecks(40);
    const buffer = packChecks(checks, 3, 33);
    expect(buffer.byteLength).toBe(8 + 5 * (4 + 4) + 30 * 100);
    const back = unpackChecks(buffer);
    expect(back).toHaveLength(30);
    back.forEach((c, i) => {
      expect(c.publicKey).toEqual(checks[i + 3]!.publicKey);
      expect(c.signature).toEqual(checks[i + 3]!.signature);
      expect(c.message).toEqual(checks[i + 3]!.message);
    });
  });
});

describe('SignaturePool', () => {
  const main = createNodeBackend();

  it('gives the same results as the main thread, in input order', async () => {
    const checks = mixedChecks(1000);
    const expected = mainThreadRunner(main).verifyAll(checks);
    const p = pool({ backend: 'node', workers: 2, minParallelChecks: 1, batchSize: 128 });
    const results = await p.verifyAll(checks);
    expect(Array.from(results)).toEqual(Array.from(await expected));
    expect(results.filter((r) => r === 0).length).toBe(27);
    expect(p.stats()).toMatchObject({
      workers: 2,
      alive: 2,
      workerChecks: 1000,
      mainThreadChecks: 0,
      fallbackBatches: 0,
    });
  });

  it('runs the noble backend in workers with the same results', async () => {
    const checks = mixedChecks(80);
    const p = pool({ backend: 'noble', workers: 2, minParallelChecks: 1, batchSize: 20 });
    const results = await p.verifyAll(checks);
    expect(Array.from(results)).toEqual(Array.from(await mainThreadRunner(main).verifyAll(checks)));
    expect(p.stats().workerChecks).toBe(80);
  });

  it('keeps tiny batches on the main thread and starts no worker for them', async () => {
    const p = pool({ backend: 'node', workers: 2, minParallelChecks: 64 });
    const results = await p.verifyAll(mixedChecks(10));
    expect(results).toHaveLength(10);
    expect(p.stats()).toMatchObject({ alive: 0, workerChecks: 0, mainThreadChecks: 10 });
  });

  it('falls back to the main thread when workers cannot start', async () => {
    const failures: Error[] = [];
    const p = pool({
      backend: 'node',
      workers: 2,
      minParallelChecks: 1,
      workerUrl: new URL('./fixtures/does-not-exist.mjs', import.meta.url),
      onWorkerFailure: (e) => failures.push(e),
    });
    const checks = mixedChecks(300);
    const results = await p.verifyAll(checks);
    expect(Array.from(results)).toEqual(Array.from(await mainThreadRunner(main).verifyAll(checks)));
    expect(failures.length).toBeGreaterThan(0);
    expect(p.stats().alive).toBe(0);
    // Later batches go straight to the main thread.
    const again = await p.verifyAll(checks);
    expect(Array.from(again)).toEqual(Array.from(results));
  });

  it('redoes the batches of a worker that dies on the main thread', async () => {
    const p = pool({
      backend: 'node',
      workers: 1,
      minParallelChecks: 1,
      workerUrl: new URL('./fixtures/crashing-worker.fixture.mjs', import.meta.url),
    });
    const checks = mixedChecks(200);
    const results = await p.verifyAll(checks);
    expect(Array.from(results)).toEqual(Array.from(await mainThreadRunner(main).verifyAll(checks)));
    expect(p.stats().fallbackBatches).toBeGreaterThan(0);
  });

  it('names the failing block and signer of a bad signature inside a worker batch', async () => {
    const keyed = keyedSet(0, 'pool-qc', [1n, 2n, 3n, 4n]);
    const chainId = new Uint8Array(32).fill(9);
    const qcs: QuorumCertificate[] = Array.from({ length: 50 }, (_, h) =>
      signQc(
        { epoch: 0, view: h, height: h, blockHash: new Uint8Array(32).fill(h), phase: 'prepare' },
        keyed.set,
        keyed.keys,
        chainId,
      ),
    );
    // Block 31's QC: the signature of validator 2 has one flipped bit.
    const bad = qcs[31]!;
    const sigs = bad.signatures.map((s) => s.slice());
    sigs[2]![7]! ^= 0x01;
    qcs[31] = { ...bad, signatures: sigs };
    const tasks = qcs.map((qc, h) => ({
      qc,
      set: keyed.set,
      height: h,
      peer: `peer-${h % 3}`,
      role: `justify of block ${h}`,
    }));
    const p = pool({ backend: 'node', workers: 2, minParallelChecks: 1, batchSize: 16 });
    const result = await verifyQcs(tasks, chainId, p);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ check: 'qc.signature', height: 31, peer: 'peer-1' });
    expect(result.failure.message).toContain('validator 2');
    expect(p.stats().workerChecks).toBe(200);
    // The same on the main thread.
    const onMain = await verifyQcs(tasks, chainId, mainThreadRunner(main));
    expect(onMain).toEqual(result);
  });

  it('stops waiting when the signal aborts, dropping the batches not sent yet', async () => {
    const p = pool({
      backend: 'noble',
      workers: 1,
      minParallelChecks: 1,
      batchSize: 8,
      inFlightPerWorker: 1,
    });
    await p.verifyAll(mixedChecks(8)); // the worker is up
    const controller = new AbortController();
    const pending = p.verifyAll(mixedChecks(400), controller.signal);
    setTimeout(() => controller.abort(new Error('enough')), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    // 50 batches of noble checks take most of a second: most were never sent.
    expect(p.stats().workerChecks).toBeLessThan(8 + 400);
    expect(p.stats().mainThreadChecks).toBe(0);
  });

  it('refuses work after close', async () => {
    const p = pool({ backend: 'node', workers: 1, minParallelChecks: 1 });
    await p.verifyAll(mixedChecks(100));
    await p.close();
    await expect(p.verifyAll(mixedChecks(100))).rejects.toBeInstanceOf(ValidationError);
    expect(p.stats().alive).toBe(0);
  });

  it('leaves no handle open: a process using it exits on its own, closed or merely idle', async () => {
    for (const args of [['--close'], []]) {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'src/pool/fixtures/pool-exit.fixture.ts', ...args],
        {
          cwd: packageDir,
          timeout: 30_000,
        },
      );
      const out = JSON.parse(stdout) as { valid: number; stats: { workerChecks: number } };
      expect(out.valid).toBe(300);
      expect(out.stats.workerChecks).toBe(300);
    }
  });

  it.skipIf(!existsSync(new URL('../../dist/pool/signature-worker.js', import.meta.url)))(
    'runs its workers from the compiled dist/ without tsx',
    async () => {
      const script = `
        import { SignaturePool } from './dist/index.js';
        import { deriveSigningKey, signBytes } from '@hotsync/core';
        const key = deriveSigningKey('dist', 0);
        const message = new Uint8Array([4]);
        const signature = signBytes(key, message);
        const pool = new SignaturePool({ backend: 'node', workers: 2, minParallelChecks: 1 });
        const r = await pool.verifyAll(Array.from({ length: 256 }, () => ({ publicKey: key.publicKey, message, signature })));
        const s = pool.stats();
        await pool.close();
        console.log(JSON.stringify({ valid: r.reduce((a, b) => a + b, 0), workerChecks: s.workerChecks, fallback: s.fallbackBatches }));
      `;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: packageDir,
        timeout: 30_000,
      });
      expect(JSON.parse(stdout)).toEqual({ valid: 256, workerChecks: 256, fallback: 0 });
    },
  );
});
