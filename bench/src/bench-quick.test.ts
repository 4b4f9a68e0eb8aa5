/**
 * CI smoke test of `pnpm bench --quick`: the whole quick run (chain generation, limit
 * probes, servers, every row, tip-follow, fast sync, WAN) in a child process, from sources
 * (tsx, the `hotsync-source` condition: no stale dist), into temporary results and cache
 * directories, so the committed bench/results stay as the last full run left them.
 * It checks that the output is produced and well-formed, never a figure: benchmarks do not
 * fail on a number (the machine running CI is shared and its speed is not ours to judge).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROW_NAMES } from './ipc/tasks.js';
import { type BenchResults, benchResultsSchema } from './report/schema.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const RUN = join(REPO, 'bench', 'src', 'run.ts');
/** A quick run takes about a minute on 2 cores (more when they are shared), generation included. */
const RUN_TIMEOUT_MS = 240_000;
/** After SIGTERM the bench stops its children and cleans up; then it is killed. */
const KILL_GRACE_MS = 5_000;

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly seconds: number;
}

function runQuickBench(outDir: string, cacheDir: string): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions',
        'hotsync-source',
        '--import',
        'tsx',
        RUN,
        '--quick',
        '--out',
        outDir,
        '--cache',
        cacheDir,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    let kill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, RUN_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      clearTimeout(kill);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(kill);
      resolve({ code, signal, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

describe('pnpm bench --quick (smoke test: the output, not the figures)', () => {
  let outDir: string;
  let cacheDir: string;
  let run: Finished;

  beforeAll(
    async () => {
      outDir = await mkdtemp(join(tmpdir(), 'hotsync-bench-out-'));
      cacheDir = await mkdtemp(join(tmpdir(), 'hotsync-bench-cache-'));
      run = await runQuickBench(outDir, cacheDir);
      // The bench's own log (what ran, how long each part took), then how it ended.
      console.log(run.output);
      console.log(`bench --quick: exit ${run.code ?? run.signal} after ${run.seconds.toFixed(1)} s`);
    },
    RUN_TIMEOUT_MS + KILL_GRACE_MS + 10_000,
  );

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('finishes, measures every part and exits 0', () => {
    // On failure, the bench's own log says which part could not be measured and why.
    expect(run.signal, run.output).toBeNull();
    expect(run.code, run.output).toBe(0);
  });

  it('writes latest.json that matches the documented schema', async () => {
    const raw: unknown = JSON.parse(await readFile(join(outDir, 'latest.json'), 'utf8'));
    const parsed = benchResultsSchema.safeParse(raw);
    expect(parsed.success, parsed.error?.message).toBe(true);
    const results: BenchResults = parsed.data!;
    expect(results.quick).toBe(true);
    expect(results.failures).toEqual([]);
    // Every section the issue asks for was measured (null would mean "not measured").
    expect(results.limits).not.toBeNull();
    expect(results.tipFollow).not.toBeNull();
    expect(results.wan).not.toBeNull();
    expect(results.fastSync).not.toBeNull();
    expect(results.memory).not.toBeNull();
    expect(results.rows.map((r) => r.name)).toEqual([...ROW_NAMES]);
    for (const row of results.rows) {
      expect(row.ok, `${row.name}: ${row.outcome}`).toBe(true);
      expect(row.ratioToLimit, row.name).not.toBeNull();
      expect(row.samples.length, row.name).toBeGreaterThan(1);
    }
    expect(results.fastSync!.ok, results.fastSync!.outcome).toBe(true);
  });

  it('writes latest.md with every row and the chart latest.svg with a line per row', async () => {
    const markdown = await readFile(join(outDir, 'latest.md'), 'utf8');
    for (const name of ROW_NAMES) expect(markdown).toContain(`| ${name} |`);
    expect(markdown).toContain('## Physical limits');
    expect(markdown).toContain('](latest.svg)');
    expect(existsSync(join(outDir, 'latest.svg'))).toBe(true);
    const svg = await readFile(join(outDir, 'latest.svg'), 'utf8');
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)?.length).toBe(ROW_NAMES.length);
    // The table, for the log (figures are printed, never asserted).
    console.log(markdown);
  });
});
