import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockFileName, extractTsBlocks, readGuideBlocks } from './guide-blocks.js';
import { formatDiagnostic, typecheckBlocks } from './typecheck-blocks.js';

const REPO = join(import.meta.dirname, '../../..');
const DOCS = join(REPO, 'docs');
const GUIDES = [
  'chain-spec.md',
  'custom-strategy.md',
  'consensus-engine.md',
  'operate.md',
  'threat-model.md',
];

/*
 * The guides' code compiles: every ```ts block of docs/*.md is type-checked as its own
 * module with the packages' compiler settings (strict), against the packages' sources.
 * A block opts out only with ```ts no-check; blocks marked ```ts run are also run.
 */
describe('docs/ guides: every ts block type-checks, and the runnable ones run', () => {
  const blocks = readGuideBlocks(DOCS);
  // Inside the test package (so its dependencies resolve), outside its sources (so tsc -b never sees the files).
  const work = mkdtempSync(join(REPO, 'test', '.guides-run-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has the five guides, each with code', () => {
    for (const guide of GUIDES) {
      expect(
        blocks.filter((b) => b.guide === guide && !b.flags.includes('no-check')).length,
        `${guide}: checked ts blocks`,
      ).toBeGreaterThan(0);
    }
    const optedOut = blocks.filter((b) => b.flags.includes('no-check'));
    console.log(
      `guides: ${blocks.length} ts blocks, ${optedOut.length} opted out (${optedOut.map((b) => `${b.guide}:${b.line}`).join(', ') || 'none'})`,
    );
  });

  it('every block type-checks (strict, the packages settings)', () => {
    const checked = blocks.filter((b) => !b.flags.includes('no-check'));
    const diagnostics = typecheckBlocks(REPO, checked);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  }, 120_000);

  it('the checker refuses a wrong API name, naming the guide, the line and the diagnostic', () => {
    const broken = extractTsBlocks(
      'broken.md',
      [
        '# A guide',
        '',
        '```ts',
        "import { parseSyncConfig } from '@hotsync/core';",
        '',
        'parseSyncConfig({});',
        'parseSyncConfigs({});',
        '```',
      ].join('\n'),
    );
    const diagnostics = typecheckBlocks(REPO, broken).map(formatDiagnostic);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(
      /^docs\/broken\.md:7 \(block at line 3\): TS2552 Cannot find name 'parseSyncConfigs'/,
    );
  }, 120_000);

  const runnable = blocks.filter((b) => b.flags.includes('run'));
  it.each(runnable.map((b) => [`${b.guide}:${b.line}`, b] as const))(
    '%s runs',
    (_, block) => {
      // The guide's named modules first: the block may import them.
      for (const b of blocks.filter(
        (x) => x.guide === block.guide && (x.file !== undefined || x === block),
      )) {
        mkdirSync(dirname(join(work, blockFileName(b))), { recursive: true });
        writeFileSync(join(work, blockFileName(b)), b.code);
      }
      const file = join(work, blockFileName(block));
      const output = execFileSync(
        process.execPath,
        ['--conditions=hotsync-source', '--import', 'tsx', file],
        { cwd: REPO, encoding: 'utf8', timeout: 90_000, env: { ...process.env, NODE_OPTIONS: '' } },
      );
      console.log(`${block.guide}:${block.line} printed:\n${output}`);
      expect(output.length).toBeGreaterThan(0);
    },
    120_000,
  );
});
