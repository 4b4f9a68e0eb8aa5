import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeBlock, openLmdbChainStore, openLmdbStateMachine, toHex } from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { ExampleError } from './errors.js';

/** What a pre-generated history is made of; the same parameters give the same chain, byte for byte. */
export interface HistoryParams {
  readonly seed: number;
  readonly blocks: number;
  readonly validators: number;
  /** Depth of the reference state tree: part of the state root, every node must use the same. */
  readonly stateDepth: number;
  readonly transactionsPerBlock: number;
}

/** What every validator of the chain needs to know about it (passed to the processes). */
export interface ChainParams {
  readonly seed: number;
  readonly validators: number;
  readonly stateDepth: number;
  readonly chainIdHex: string;
  /** The genesis block, encoded: the trust anchor of a node that starts from nothing. */
  readonly genesisHex: string;
}

/** A generated history on disk: `chain/` (the LMDB chain store) and `state/` (the LMDB state at the tip). */
export interface History {
  readonly dir: string;
  readonly params: HistoryParams;
  readonly chain: ChainParams;
  readonly tipHeight: number;
  /** True when this call generated it, false when it came from the cache. */
  readonly generated: boolean;
  /** Generation time of this call (0 from the cache). */
  readonly seconds: number;
}

const FORMAT = 1;
const META = 'history.json';

interface Meta {
  readonly format: number;
  readonly params: HistoryParams;
  readonly chain: ChainParams;
  readonly tipHeight: number;
}

/** Directory name of a history in the cache: every parameter that changes the bytes is in it. */
export function historyKey(p: HistoryParams): string {
  return `v${FORMAT}-seed${p.seed}-n${p.validators}-b${p.blocks}-tx${p.transactionsPerBlock}-d${p.stateDepth}`;
}

/** `$XDG_CACHE_HOME/hotsync/example-histories` (default `~/.cache/...`). */
export function defaultCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'hotsync', 'example-histories');
}

/**
 * The history for `params` under `cacheRoot`: read from the cache when it is there, else
 * generated (about 1,000 blocks/s into LMDB) into a temporary directory and renamed into
 * place once complete, so an interrupted run never leaves a half history behind.
 */
export async function ensureHistory(
  params: HistoryParams,
  cacheRoot: string,
  onProgress?: (height: number) => void,
): Promise<History> {
  const dir = join(cacheRoot, historyKey(params));
  const cached = await readMeta(dir);
  if (cached) {
    if (JSON.stringify(cached.params) !== JSON.stringify(params)) {
      throw new ExampleError('example.history', `${dir} holds a history of other parameters`);
    }
    return { dir, params, chain: cached.chain, tipHeight: cached.tipHeight, generated: false, seconds: 0 };
  }
  await mkdir(cacheRoot, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${toHex(randomBytes(4))}`;
  try {
    const started = performance.now();
    const meta = await generateInto(tmp, params, onProgress);
    const seconds = (performance.now() - started) / 1000;
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another run generated it meanwhile: same parameters, same bytes; keep theirs.
      if (!(await readMeta(dir))) throw err;
    }
    return { dir, params, chain: meta.chain, tipHeight: meta.tipHeight, generated: true, seconds };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function generateInto(
  dir: string,
  params: HistoryParams,
  onProgress?: (height: number) => void,
): Promise<Meta> {
  // noSync: a history is rebuilt from its seed if a crash ever damaged it.
  const store = await openLmdbChainStore({ path: join(dir, 'chain'), noSync: true });
  const stateMachine = await openLmdbStateMachine({
    path: join(dir, 'state'),
    depth: params.stateDepth,
    noSync: true,
  });
  try {
    const chain = await generateChain({
      seed: params.seed,
      blocks: params.blocks,
      validators: params.validators,
      votingPower: 'equal', // any 3 of 4 validators are a quorum: the network lives without the late one
      epochLength: 0,
      transactionsPerBlock: params.transactionsPerBlock,
      store,
      stateMachine,
      ...(onProgress && { onProgress }),
    });
    const meta: Meta = {
      format: FORMAT,
      params,
      chain: {
        seed: params.seed,
        validators: params.validators,
        stateDepth: params.stateDepth,
        chainIdHex: toHex(chain.chainId),
        genesisHex: toHex(encodeBlock(chain.genesis)),
      },
      tipHeight: chain.tip.height,
    };
    await writeFile(join(dir, META), `${JSON.stringify(meta, null, 2)}\n`);
    return meta;
  } finally {
    await stateMachine.close();
    await store.close();
  }
}

async function readMeta(dir: string): Promise<Meta | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, META), 'utf8');
  } catch {
    return undefined;
  }
  const meta = JSON.parse(text) as Meta;
  if (meta.format !== FORMAT)
    throw new ExampleError('example.history', `${dir}: unknown format ${meta.format}`);
  return meta;
}

/** Copies a history's LMDB environments into `dest` (`dest/chain`, `dest/state`); the lock files stay behind. */
export async function copyHistory(history: History, dest: string): Promise<void> {
  for (const part of ['chain', 'state']) {
    await mkdir(join(dest, part), { recursive: true });
    await cp(join(history.dir, part, 'data.mdb'), join(dest, part, 'data.mdb'));
  }
}

/** Bytes of a history's chain store file (for the demo's narrative). */
export async function historyBytes(history: History): Promise<number> {
  return (await stat(join(history.dir, 'chain', 'data.mdb'))).size;
}
