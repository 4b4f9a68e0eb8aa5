import { LmdbStateBackend } from './backend-lmdb.js';
import { MemoryStateBackend } from './backend-memory.js';
import { MerkleKvStateMachine } from './state-machine.js';

export interface MemoryStateMachineOptions {
  /** Tree depth D (2^D buckets), 4..24; default 16. Part of the state root's definition: every node of a chain must use the same. */
  readonly depth?: number;
}

/** A state machine in memory: synchronous and deterministic (the simulator's), gone when dropped. */
export function createMemoryStateMachine(options: MemoryStateMachineOptions = {}): MerkleKvStateMachine {
  return MerkleKvStateMachine.openSync(new MemoryStateBackend(), options);
}

export interface LmdbStateMachineOptions {
  /** Directory of the LMDB environment (created when missing). */
  readonly path: string;
  /** Tree depth for a new state (default 16); an existing state keeps its own and refuses another. */
  readonly depth?: number;
  /** Skip fsync on commit: faster, but a crash may lose recent commits. Tests and benchmarks only. */
  readonly noSync?: boolean;
}

/** Opens (or creates) the state kept in an LMDB environment at `path`. */
export async function openLmdbStateMachine(options: LmdbStateMachineOptions): Promise<MerkleKvStateMachine> {
  const backend = new LmdbStateBackend({ path: options.path, noSync: options.noSync ?? false });
  try {
    return await MerkleKvStateMachine.open(
      backend,
      options.depth === undefined ? {} : { depth: options.depth },
    );
  } catch (err) {
    await backend.close();
    throw err;
  }
}
