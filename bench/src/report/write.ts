import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError } from '../errors.js';
import { renderMarkdown } from './markdown.js';
import { type BenchResults, benchResultsSchema } from './schema.js';
import { renderChart } from './svg.js';

export interface WrittenFiles {
  readonly json: string;
  readonly markdown: string;
  readonly svg: string;
}

/**
 * Checks the results against their schema, then writes latest.json, latest.md and
 * latest.svg into `dir`, each through a temporary file renamed into place (a reader never
 * sees half a file, and an interrupted run leaves the previous results whole).
 */
export async function writeResults(dir: string, results: BenchResults): Promise<WrittenFiles> {
  const checked = benchResultsSchema.safeParse(results);
  if (!checked.success) {
    throw new BenchError('bench.output', `the results do not match their schema: ${checked.error.message}`);
  }
  await mkdir(dir, { recursive: true });
  const files: WrittenFiles = {
    json: join(dir, 'latest.json'),
    markdown: join(dir, 'latest.md'),
    svg: join(dir, 'latest.svg'),
  };
  const title = `hotsync ${results.quick ? 'quick run' : 'full run'}: blocks/s over time, ${results.chain.blocks.toLocaleString('en-US')} blocks`;
  await atomicWrite(files.json, `${JSON.stringify(results, null, 2)}\n`);
  await atomicWrite(files.markdown, renderMarkdown(results));
  await atomicWrite(files.svg, renderChart(results.rows, title));
  return files;
}

async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}
