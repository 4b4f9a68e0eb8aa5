import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { blockFileName, type GuideBlock } from './guide-blocks.js';

/** One type error in a guide's block, placed at its line in the guide. */
export interface BlockDiagnostic {
  readonly guide: string;
  /** Line of the fence that opens the block. */
  readonly blockLine: number;
  /** Line of the error in the guide. */
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

export function formatDiagnostic(d: BlockDiagnostic): string {
  return `docs/${d.guide}:${d.line} (block at line ${d.blockLine}): TS${d.code} ${d.message}`;
}

/**
 * The packages' own compiler settings (tsconfig.base.json: strict, NodeNext,
 * noUncheckedIndexedAccess, verbatimModuleSyntax, ...), without emit, reading the
 * workspace packages from their sources (the `hotsync-source` export condition), as the
 * tests do: a guide is checked against the code as it is, never against a stale build.
 */
function compilerOptions(repo: string): ts.CompilerOptions {
  const configPath = join(repo, 'tsconfig.base.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, repo, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    tsBuildInfoFile: undefined,
    customConditions: ['hotsync-source'],
  };
}

/** Directories of the workspace's packages, examples and tests: where a guide's imports may come from. */
function workspaceDirs(repo: string): string[] {
  const dirs = [join(repo, 'test')];
  for (const group of ['packages', 'examples']) {
    for (const d of readdirSync(join(repo, group)).sort()) dirs.push(join(repo, group, d));
  }
  return dirs;
}

/**
 * Type-checks every block as its own ES module, placed (virtually) in `test/src/docs/`,
 * so it gets the test package's module format and dependencies. An import the test
 * package does not list (`prom-client`, `pino`, `@hotsync/prometheus`) is resolved as the
 * workspace package that depends on it would resolve it: what a user installing those
 * packages gets.
 */
export function typecheckBlocks(repo: string, blocks: readonly GuideBlock[]): BlockDiagnostic[] {
  const options = compilerOptions(repo);
  const virtualDir = join(repo, 'test', 'src', 'docs', '.guide-blocks');
  const byPath = new Map(blocks.map((b) => [join(virtualDir, blockFileName(b)), b]));
  const host = ts.createCompilerHost(options, true);
  const fallbacks = workspaceDirs(repo).map((d) => join(d, 'src', '__resolve_from_here__.ts'));
  const cache = ts.createModuleResolutionCache(repo, (f) => f, options);

  const baseGetSourceFile = host.getSourceFile.bind(host);
  const baseFileExists = host.fileExists.bind(host);
  const baseReadFile = host.readFile.bind(host);
  const virtualDirs = new Set([...byPath.keys()].map((f) => dirname(f)).concat(virtualDir));
  const baseDirectoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => virtualDirs.has(d) || (baseDirectoryExists?.(d) ?? ts.sys.directoryExists(d));
  host.fileExists = (f) => byPath.has(f) || baseFileExists(f);
  host.readFile = (f) => byPath.get(f)?.code ?? baseReadFile(f);
  host.getSourceFile = (f, language, onError, shouldCreate) => {
    const block = byPath.get(f);
    return block
      ? ts.createSourceFile(f, block.code, language, true, ts.ScriptKind.TS)
      : baseGetSourceFile(f, language, onError, shouldCreate);
  };
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, containingSource) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSource, literal, opts);
      const from = [containingFile, ...(byPath.has(containingFile) ? fallbacks : [])];
      let first: ts.ResolvedModuleWithFailedLookupLocations | undefined;
      for (const file of from) {
        const r = ts.resolveModuleName(literal.text, file, opts, host, cache, redirected, mode);
        first ??= r;
        if (r.resolvedModule) return r;
      }
      return first!;
    });

  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host });
  const out: BlockDiagnostic[] = [];
  for (const [path, block] of byPath) {
    const sf = program.getSourceFile(path);
    if (!sf) throw new Error(`docs/${block.guide}:${block.line}: block not in the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diagnostics) {
      const at = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      out.push({
        guide: block.guide,
        blockLine: block.line,
        // The block's first line is the line after its fence.
        line: block.line + 1 + at,
        code: d.code,
        message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
      });
    }
  }
  // Problems that belong to no file (bad options) would otherwise pass silently.
  for (const d of program.getOptionsDiagnostics()) {
    out.push({
      guide: '(options)',
      blockLine: 0,
      line: 0,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
    });
  }
  return out;
}
