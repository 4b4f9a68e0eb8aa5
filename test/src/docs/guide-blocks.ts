import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One ```ts block of a guide. */
export interface GuideBlock {
  /** The guide's file name, e.g. `custom-strategy.md`. */
  readonly guide: string;
  /** 1-based line of the opening fence in the guide. */
  readonly line: number;
  /**
   * Words after `ts` on the fence line: `no-check` opts out of the type check, `run` also
   * runs the block, `file=name.ts` names the module so other blocks of the guide can import
   * it (`./name.js`).
   */
  readonly flags: readonly string[];
  /** The module's name, from `file=`; otherwise none (the block is imported by nobody). */
  readonly file: string | undefined;
  readonly code: string;
}

const OPEN = /^```(?:ts|typescript)(?:\s+(.*))?$/;

/** Every ```ts block of one markdown text, with the line of its fence. */
export function extractTsBlocks(guide: string, markdown: string): GuideBlock[] {
  const lines = markdown.split('\n');
  const blocks: GuideBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!.trimEnd());
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${guide}:${start + 1}: a \`\`\`ts block is never closed`);
    const flags = (open[1] ?? '').split(/\s+/).filter(Boolean);
    const file = flags.find((f) => f.startsWith('file='))?.slice('file='.length);
    if (file !== undefined && !/^[\w-]+\.ts$/.test(file)) {
      throw new Error(`${guide}:${start + 1}: file=${file} must be a plain name ending in .ts`);
    }
    blocks.push({ guide, line: start + 1, flags, file, code: `${body.join('\n')}\n` });
  }
  return blocks;
}

/** Every ```ts block of every `*.md` in `dir`, guide by guide. */
export function readGuideBlocks(dir: string): GuideBlock[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .flatMap((f) => extractTsBlocks(basename(f), readFileSync(join(dir, f), 'utf8')));
}

/** Where a block lives, relative to a blocks directory: one folder per guide, so its blocks can import each other. */
export function blockFileName(block: GuideBlock): string {
  return `${block.guide.replace(/\.md$/, '')}/${block.file ?? `L${block.line}.ts`}`;
}
