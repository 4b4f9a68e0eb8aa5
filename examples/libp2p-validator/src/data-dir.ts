import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExampleError } from './errors.js';

/** Where a demo keeps its data, and whether it is removed at the end. */
export interface DataDirs {
  readonly dataDir: string;
  /** Generated histories: the cache directory given, else inside the data directory. */
  readonly cacheRoot: string;
  /** True when the user chose the directory: it is kept. */
  readonly keep: boolean;
  /** Removes a temporary data directory (a chosen one stays). */
  close(): Promise<void>;
}

/**
 * A chosen data directory must be empty or missing (a demo never mixes its data with an
 * earlier run's); without one, a temporary directory that `close()` removes.
 */
export async function openDataDirs(
  dataDir: string | undefined,
  cacheDir: string | undefined,
): Promise<DataDirs> {
  let dir: string;
  let keep: boolean;
  if (dataDir !== undefined) {
    dir = resolve(dataDir);
    const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw new ExampleError('example.data-dir', `cannot read ${dir}: ${err.message}`);
    });
    if (entries.length > 0) {
      throw new ExampleError('example.data-dir', `${dir} is not empty: give an empty or new directory`);
    }
    await mkdir(dir, { recursive: true });
    keep = true;
  } else {
    dir = await mkdtemp(join(tmpdir(), 'hotsync-demo-'));
    keep = false;
  }
  return {
    dataDir: dir,
    cacheRoot: cacheDir === undefined ? join(dir, 'history') : resolve(cacheDir),
    keep,
    close: async () => {
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}
