import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReadmePromise } from './readme-snippets.js';

const REPO = join(import.meta.dirname, '../../..');

interface PublicPackage {
  readonly name: string;
  readonly dir: string;
  tarball?: string;
}

function publicPackages(): PublicPackage[] {
  const root = join(REPO, 'packages');
  return readdirSync(root)
    .map((d) => ({
      dir: join(root, d),
      manifest: JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8')),
    }))
    .filter((p) => !p.manifest.private)
    .map((p) => ({ name: p.manifest.name as string, dir: p.dir }));
}

/**
 * Every public package works outside the monorepo: packed as it would be published,
 * installed into an empty project with its dependencies from the registry (and the other
 * hotsync packages from their tarballs), its README's install line followed to the letter,
 * and its README's snippet run there.
 */
describe('packages install and run alone (pack, install, run each README snippet)', () => {
  const packages = publicPackages();
  let work: string;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'hotsync-pack-'));
    const packs = join(work, 'packs');
    mkdirSync(packs);
    for (const p of packages) {
      const out = execFileSync('pnpm', ['pack', '--pack-destination', packs], {
        cwd: p.dir,
        encoding: 'utf8',
      });
      p.tarball = out.trim().split('\n').pop()!.trim();
    }
    project = join(work, 'project');
    mkdirSync(project);
    const tarballOf = Object.fromEntries(packages.map((p) => [p.name, `file:${p.tarball}`]));
    // What the READMEs tell users to install, resolved: hotsync packages from their tarballs, the rest from the registry.
    const wanted = new Set(packages.flatMap((p) => readReadmePromise(join(p.dir, 'README.md')).installs));
    const dependencies: Record<string, string> = { tsx: '^4.20.0' };
    for (const name of wanted) dependencies[name] = tarballOf[name] ?? 'latest';
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify(
        { name: 'hotsync-newcomer', private: true, type: 'module', dependencies, overrides: tarballOf },
        null,
        2,
      ),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      stdio: 'pipe',
      timeout: 300_000,
    });
  }, 360_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finds every public package', () => {
    expect(packages.map((p) => p.name).sort()).toEqual(
      expect.arrayContaining([
        '@hotsync/core',
        '@hotsync/validation',
        '@hotsync/peers',
        '@hotsync/strategies',
      ]),
    );
  });

  it.each(publicPackages().map((p) => [p.name, p.dir] as const))(
    '%s: its README snippet runs in a fresh project',
    (name, dir) => {
      const { snippet } = readReadmePromise(join(dir, 'README.md'));
      const file = join(project, `${name.replace('@hotsync/', '')}.snippet.ts`);
      writeFileSync(file, snippet);
      const output = execFileSync(process.execPath, ['--import', 'tsx', file], {
        cwd: project,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      expect(typeof output).toBe('string');
    },
  );
});
