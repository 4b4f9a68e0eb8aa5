import {
  bytesEqual,
  type ChainSpec,
  type ExecutableBlock,
  type Hash,
  type PeerId,
  type SnapshotChunk,
  SnapshotError,
  type SnapshotManifest,
  StateExecutionError,
  type StateMachine,
  type Verification,
  type VerificationCheck,
  type VerificationMode,
} from '@hotsync/core';
import { ValidationError } from '../errors.js';
import { fail, ok, short } from '../result.js';

/** The blocks to execute, with the peer each came from (to blame a wrong root). */
export interface StateRange<B> {
  readonly blocks: readonly B[];
  /** peers[i] sent blocks[i]; absent when the caller does not know. */
  readonly peers?: readonly PeerId[];
}

/**
 * Stage 4 (DESIGN §3): executes the range through the state machine and compares roots with
 * the headers: every block in `full` (`applyBlocks(…, 'each')`), only the last in `anchored`
 * (`'last'`: every transaction still runs, each payload already matched its payloadHash in
 * stage 1). On a mismatch the state is rolled back to where it was; a transaction that fails
 * to execute is `state.execution` (applyBlocks is atomic, nothing was applied).
 */
export async function applyAndCheckState<B>(
  spec: ChainSpec<B>,
  stateMachine: StateMachine,
  range: StateRange<B>,
  mode: VerificationMode,
): Promise<Verification<Hash>> {
  const { blocks } = range;
  if (blocks.length === 0) return ok(stateMachine.root());
  const startHeight = stateMachine.height();
  const executable: ExecutableBlock[] = blocks.map((b) => ({
    height: spec.height(b),
    transactions: spec.transactions(b),
  }));
  const peerAt = (i: number) => range.peers?.[i];

  let roots: Hash[];
  try {
    roots = await stateMachine.applyBlocks(executable, mode === 'full' ? 'each' : 'last');
  } catch (error) {
    if (!(error instanceof StateExecutionError)) throw error; // storage trouble: not the peer's fault
    const index = error.height === undefined ? -1 : executable.findIndex((b) => b.height === error.height);
    return fail('state.execution', `${error.code}: ${error.message}`, {
      height: error.height,
      peer: index >= 0 ? peerAt(index) : undefined,
    });
  }

  const expectedRoots = mode === 'full' ? blocks.length : 1;
  if (roots.length !== expectedRoots) {
    throw new ValidationError(
      'validation.state-machine',
      `state machine returned ${roots.length} roots for ${blocks.length} blocks (${mode})`,
    );
  }
  // In full mode root i belongs to block i; in anchored the single root belongs to the last.
  const offset = blocks.length - roots.length;
  for (let r = 0; r < roots.length; r++) {
    const i = offset + r;
    const expected = spec.stateRoot(blocks[i]!);
    if (!bytesEqual(roots[r]!, expected)) {
      await stateMachine.rollbackTo(startHeight);
      return fail(
        'state.root',
        `state root after execution is ${short(roots[r]!)}…, the header says ${short(expected)}…`,
        { height: executable[i]!.height, peer: peerAt(i) },
      );
    }
  }
  return ok(roots[roots.length - 1]!);
}

function snapshotCheck(error: SnapshotError): VerificationCheck {
  switch (error.code) {
    case 'snapshot.format':
      return 'snapshot.manifest';
    case 'snapshot.wrong-root':
    case 'snapshot.root-mismatch':
      return 'snapshot.root';
    case 'snapshot.malformed-chunk':
    case 'snapshot.bad-proof':
    case 'snapshot.key-order':
    case 'snapshot.chunk-index':
    case 'snapshot.incomplete':
      return 'snapshot.chunk';
  }
}

/**
 * One snapshot chunk against a manifest whose root the caller already matched with a
 * committed header: format, index, root, then the state machine's own proof check.
 */
export function verifySnapshotChunk(
  stateMachine: StateMachine,
  manifest: SnapshotManifest,
  chunk: SnapshotChunk,
  peer?: PeerId,
): Verification<void> {
  const site = { height: manifest.height, peer };
  if (manifest.format !== stateMachine.snapshotFormat) {
    return fail(
      'snapshot.manifest',
      `snapshot format ${manifest.format}, this state machine reads ${stateMachine.snapshotFormat}`,
      site,
    );
  }
  if (!Number.isSafeInteger(chunk.index) || chunk.index < 0 || chunk.index >= manifest.chunkCount) {
    return fail('snapshot.chunk', `chunk index ${chunk.index} outside 0..${manifest.chunkCount - 1}`, site);
  }
  if (!bytesEqual(chunk.stateRoot, manifest.stateRoot)) {
    return fail(
      'snapshot.root',
      `chunk of root ${short(chunk.stateRoot)}…, the manifest's is ${short(manifest.stateRoot)}…`,
      site,
    );
  }
  try {
    stateMachine.verifyChunk(manifest, chunk);
  } catch (error) {
    if (error instanceof SnapshotError)
      return fail(snapshotCheck(error), `${error.code}: ${error.message}`, site);
    // A parser choking on hostile bytes is still a bad chunk, not a crash.
    return fail(
      'snapshot.chunk',
      `chunk rejected: ${error instanceof Error ? error.message : String(error)}`,
      site,
    );
  }
  return ok(undefined);
}

/**
 * A manifest against the committed header it claims to describe (the only source of trust
 * for its root): height, block hash, state root and format.
 */
export function verifySnapshotManifest(
  stateMachine: StateMachine,
  manifest: SnapshotManifest,
  committed: { readonly height: number; readonly hash: Hash; readonly stateRoot: Hash },
  peer?: PeerId,
): Verification<void> {
  const site = { height: manifest.height, peer };
  if (manifest.height !== committed.height) {
    return fail(
      'snapshot.manifest',
      `manifest for height ${manifest.height}, the committed block is ${committed.height}`,
      site,
    );
  }
  if (!bytesEqual(manifest.blockHash, committed.hash)) {
    return fail('snapshot.manifest', 'manifest names another block than the committed one', site);
  }
  if (!bytesEqual(manifest.stateRoot, committed.stateRoot)) {
    return fail('snapshot.root', "manifest root is not the committed header's stateRoot", site);
  }
  if (manifest.format !== stateMachine.snapshotFormat) {
    return fail(
      'snapshot.manifest',
      `snapshot format ${manifest.format}, expected ${stateMachine.snapshotFormat}`,
      site,
    );
  }
  if (!Number.isSafeInteger(manifest.chunkCount) || manifest.chunkCount < 0) {
    return fail('snapshot.manifest', `manifest with ${manifest.chunkCount} chunks`, site);
  }
  return ok(undefined);
}
