import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReadmePromise } from './readme-snippets.js';

const REPO = join(import.meta.dirname, '../../..');
const ROOT = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;

interface Manifest {
  readonly name?: unknown;
  readonly private?: unknown;
  readonly version?: unknown;
  readonly description?: unknown;
  readonly license?: unknown;
  readonly type?: unknown;
  readonly exports?: unknown;
  readonly files?: unknown;
  readonly engines?: { readonly node?: unknown };
  readonly sideEffects?: unknown;
  readonly repository?: { readonly type?: unknown; readonly url?: unknown; readonly directory?: unknown };
  readonly keywords?: unknown;
}

function publicPackages(): { dir: string; folder: string; manifest: Manifest }[] {
  const root = join(REPO, 'packages');
  return readdirSync(root)
    .sort()
    .map((folder) => ({
      folder,
      dir: join(root, folder),
      manifest: JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as Manifest,
    }))
    .filter((p) => p.manifest.private !== true);
}

/** Problems with one export entry's conditions, or none. */
function exportProblems(subpath: string, target: unknown, files: readonly string[]): string[] {
  if (typeof target !== 'object' || target === null)
    return [`exports["${subpath}"] is not a conditions object`];
  const conditions = target as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof conditions.types !== 'string') problems.push(`exports["${subpath}"] has no "types"`);
  if (typeof conditions.import !== 'string' && typeof conditions.default !== 'string')
    problems.push(`exports["${subpath}"] has neither "import" nor "default"`);
  // "types" must come before the runtime conditions, or TypeScript resolves the JS first.
  const keys = Object.keys(conditions);
  const runtime = keys.findIndex((k) => k === 'import' || k === 'default');
  if (keys.indexOf('types') > runtime)
    problems.push(`exports["${subpath}"]: "types" after "import"/"default"`);
  for (const [condition, path] of Object.entries(conditions)) {
    if (typeof path !== 'string' || !path.startsWith('./')) {
      problems.push(`exports["${subpath}"].${condition} is not a relative path`);
      continue;
    }
    // A target outside `files` would be missing from the published tarball.
    const top = path.slice(2).split('/')[0]!;
    if (!files.includes(top))
      problems.push(`exports["${subpath}"].${condition} (${path}) is outside "files"`);
  }
  return problems;
}

/*
 * Every public package carries what a registry page and an installer need (issue 12):
 * the fields below, exports with types, and a README with an install line, a snippet and
 * its API at a glance. Whether the package really installs and runs alone is
 * pack-install.test.ts's job.
 */
describe('public package metadata and READMEs', () => {
  const packages = publicPackages();

  it('finds the public packages', () => {
    expect(packages.length).toBeGreaterThanOrEqual(8);
  });

  it.each(packages.map((p) => [p.manifest.name as string, p] as const))(
    '%s: package.json is complete',
    (_, { folder, manifest }) => {
      const problems: string[] = [];
      const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim().length > 0;
      if (manifest.name !== `@hotsync/${folder}`) problems.push(`name is ${String(manifest.name)}`);
      if (typeof manifest.version !== 'string' || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(manifest.version))
        problems.push('version is not semver');
      if (!nonEmpty(manifest.description)) problems.push('no description');
      if (manifest.license !== ROOT.license) problems.push(`license is not ${String(ROOT.license)}`);
      if (manifest.type !== 'module') problems.push('type is not "module"');
      const files = Array.isArray(manifest.files) ? (manifest.files as unknown[]).filter(nonEmpty) : [];
      if (files.length === 0) problems.push('no files');
      if (!files.includes('README.md')) problems.push('files does not include README.md');
      const included = files.filter((f) => typeof f === 'string' && !f.startsWith('!')) as string[];
      if (typeof manifest.exports !== 'object' || manifest.exports === null) problems.push('no exports map');
      else {
        const entries = Object.entries(manifest.exports as Record<string, unknown>);
        if (!entries.some(([k]) => k === '.')) problems.push('exports has no "." entry');
        for (const [subpath, target] of entries) problems.push(...exportProblems(subpath, target, included));
      }
      if (!nonEmpty(manifest.engines?.node)) problems.push('no engines.node');
      else if (manifest.engines?.node !== ROOT.engines?.node)
        problems.push(`engines.node ${String(manifest.engines?.node)} differs from the workspace's`);
      const side = manifest.sideEffects;
      if (typeof side !== 'boolean' && !(Array.isArray(side) && side.every(nonEmpty)))
        problems.push('sideEffects is neither a boolean nor a list of files');
      const repo = manifest.repository;
      if (repo?.type !== 'git' || !nonEmpty(repo.url)) problems.push('no git repository');
      if (repo?.directory !== `packages/${folder}`)
        problems.push(`repository.directory is not packages/${folder}`);
      if (
        !Array.isArray(manifest.keywords) ||
        manifest.keywords.length === 0 ||
        !manifest.keywords.every(nonEmpty)
      )
        problems.push('no keywords');
      expect(problems).toEqual([]);
    },
  );

  it.each(packages.map((p) => [p.manifest.name as string, p] as const))(
    '%s: README has an install line, a ts snippet and "API at a glance"',
    (name, { dir }) => {
      const path = join(dir, 'README.md');
      const text = readFileSync(path, 'utf8');
      // The same parser the pack-install test uses: an install line naming the package, and a snippet.
      const promise = readReadmePromise(path);
      expect(promise.installs).toContain(name);
      expect(promise.snippet.trim().length).toBeGreaterThan(0);
      expect(text).toMatch(new RegExp(`import [^;]+ from '${name}(/[\\w-]+)?';`));
      expect(text).toMatch(/^## API at a glance$/m);
      const glance = text.slice(text.search(/^## API at a glance$/m)).split(/\n## /)[0]!;
      expect(glance, 'the section lists exports').toMatch(/`[^`]+`/);
    },
  );
});
