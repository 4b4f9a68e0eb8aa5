import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
import { decodeBulkRequest, encodeBulkRequest } from './node/bulk-protocol.js';
import { DEFAULT_CACHE_DIR, DEFAULT_RESULTS_DIR } from './paths.js';
import { percentile } from './stats.js';

describe('bench command line', () => {
  it('defaults to the full run into bench/results with the chain cache in bench/.cache', () => {
    expect(parseArgs([], {})).toEqual({
      quick: false,
      outDir: DEFAULT_RESULTS_DIR,
      cacheDir: DEFAULT_CACHE_DIR,
    });
  });

  it('takes --quick, --out and --cache (after `--` as pnpm passes them), flags over the environment', () => {
    const env = { HOTSYNC_BENCH_OUT: '/from-env', HOTSYNC_BENCH_CACHE: '/cache-env' };
    expect(parseArgs(['--', '--quick', '--out', 'x'], env)).toEqual({
      quick: true,
      outDir: resolve('x'),
      cacheDir: '/cache-env',
    });
    expect(parseArgs([], env).outDir).toBe('/from-env');
  });

  it('refuses unknown flags and a flag without its value', () => {
    expect(() => parseArgs(['--fast'], {})).toThrow(
      expect.objectContaining({ code: 'bench.invalid-argument' }),
    );
    expect(() => parseArgs(['--out'], {})).toThrow(
      expect.objectContaining({ code: 'bench.invalid-argument' }),
    );
    expect(() => parseArgs(['--out', '--quick'], {})).toThrow(
      expect.objectContaining({ code: 'bench.invalid-argument' }),
    );
  });
});

describe('bulk transfer request', () => {
  it('round-trips and refuses malformed requests', () => {
    const request = { from: 1, to: 1_000, bytes: 16_000_000 };
    expect(decodeBulkRequest(encodeBulkRequest(request))).toEqual(request);
    for (const text of ['', '1,2', '0,5,10', '5,4,10', '1,2,x', '1,2,3,4', '1.5,2,3'])
      expect(decodeBulkRequest(new TextEncoder().encode(text)), text).toBeUndefined();
  });
});

describe('percentile', () => {
  it('is nearest-rank and NaN for no values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
