import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../../..');
const DOCS = join(REPO, 'docs');

/** Repository paths a guide names in backticks (`packages/.../x.test.ts`), with their lines. */
function namedPaths(text: string): { path: string; line: number }[] {
  const out: { path: string; line: number }[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/`((?:packages|test|examples|docs|bench)\/[\w./-]+)`/g)) {
      out.push({ path: m[1]!.replace(/\/$/, ''), line: i + 1 });
    }
  });
  return out;
}

/** Relative markdown link targets (`[x](operate.md)`, `[x](../packages/y/README.md)`), with their lines. */
function relativeLinks(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (!/^[a-z]+:/.test(m[1]!)) out.push({ target: m[1]!, line: i + 1 });
    }
  });
  return out;
}

/*
 * The guides, the threat model above all, cite the code and the tests that back each
 * claim. A cited file that is renamed or removed must fail here, not silently leave a
 * claim without its evidence.
 */
describe('docs/ guides: every cited file and relative link exists', () => {
  const guides = readdirSync(DOCS).filter((f) => f.endsWith('.md'));

  it.each(guides)('%s', (guide) => {
    const text = readFileSync(join(DOCS, guide), 'utf8');
    const missing = [
      ...namedPaths(text)
        .filter((p) => !existsSync(join(REPO, p.path)))
        .map((p) => `docs/${guide}:${p.line}: ${p.path}`),
      ...relativeLinks(text)
        .filter((l) => !existsSync(join(dirname(join(DOCS, guide)), l.target)))
        .map((l) => `docs/${guide}:${l.line}: link ${l.target}`),
    ];
    expect(missing).toEqual([]);
  });

  it.each(guides)('%s: every test title quoted after a cited test file is in that file', (guide) => {
    const missing: string[] = [];
    // Per paragraph: `path/to/x.test.ts`, "a test title", "another" ... up to the next cited file.
    for (const paragraph of readFileSync(join(DOCS, guide), 'utf8').split(/\n\s*\n/)) {
      const flat = paragraph.split(/\s+/).join(' ');
      for (const m of flat.matchAll(
        /`((?:packages|test|examples)\/[\w./-]+\.test\.ts)`((?:(?!`(?:packages|test|examples)\/).)*)/g,
      )) {
        const source = existsSync(join(REPO, m[1]!)) ? readFileSync(join(REPO, m[1]!), 'utf8') : '';
        for (const q of m[2]!.matchAll(/"([^"]+)"/g)) {
          if (!source.includes(q[1]!)) missing.push(`${m[1]}: "${q[1]}"`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('the threat model cites tests for its claims', () => {
    const cited = namedPaths(readFileSync(join(DOCS, 'threat-model.md'), 'utf8')).filter((p) =>
      p.path.endsWith('.test.ts'),
    );
    expect(new Set(cited.map((p) => p.path)).size).toBeGreaterThanOrEqual(15);
  });
});
