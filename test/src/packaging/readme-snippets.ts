import { readFileSync } from 'node:fs';

/** What a package README promises a newcomer: the install command and a snippet that runs. */
export interface ReadmePromise {
  /** Packages named by the README's `pnpm add` line. */
  readonly installs: readonly string[];
  /** The first ```ts block under "## A snippet that runs". */
  readonly snippet: string;
}

export function readReadmePromise(readmePath: string): ReadmePromise {
  const text = readFileSync(readmePath, 'utf8');
  const install = /^pnpm add (?:-D )?(.+)$/m.exec(text);
  if (!install) throw new Error(`${readmePath}: no "pnpm add" line`);
  const section = text.indexOf('## A snippet that runs');
  if (section < 0) throw new Error(`${readmePath}: no "## A snippet that runs" section`);
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(section));
  if (!block) throw new Error(`${readmePath}: no \`\`\`ts block in the snippet section`);
  return { installs: install[1]!.trim().split(/\s+/), snippet: block[1]! };
}
