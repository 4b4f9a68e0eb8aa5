import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ itself: this module lives in bench/src (under tsx) or bench/dist (compiled). */
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where `pnpm bench` writes latest.json, latest.md and latest.svg unless told otherwise. */
export const DEFAULT_RESULTS_DIR = join(BENCH_DIR, 'results');

/** Generated chains, kept across runs (gitignored: `.cache/`). */
export const DEFAULT_CACHE_DIR = join(BENCH_DIR, '.cache');

/**
 * The entry every child process runs. Next to this module, with its extension: `.ts` when
 * the bench runs from sources under tsx (the smoke test), `.js` from dist (`pnpm bench`).
 */
export const CHILD_ENTRY = fileURLToPath(
  new URL(`./child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);
