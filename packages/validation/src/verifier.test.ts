import {
  AbortedError,
  type CommitProof,
  encodeBlock,
  ManualClock,
  type RangeVerificationRequest,
  VERIFICATION_MODES,
  type VerificationMode,
} from '@hotsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import {
  doubleCertFor,
  proofFor,
  receivedRange,
  resignTail,
  withJustify,
} from './fixtures/chain-view.fixture.js';
import { FakeStateMachine } from './fixtures/fake-state-machine.fixture.js';
import { buildBlock, handChain, keyedSet } from './fixtures/hand-chain.fixture.js';
import { sharedHandView } from './fixtures/hand-view.fixture.js';
import { createVerifier, type Verifier, type VerifierOptions } from './verifier.js';

const view = sharedHandView();
const NOW = 1_800_000_000_000;
const verifiers: Verifier[] = [];
function verifier(options: Partial<VerifierOptions> = {}): Verifier {
  const v = createVerifier({ chainId: view.chainId, clock: new ManualClock(NOW), workers: 0, ...options });
  verifiers.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.close()));
});

function request(
  from: number,
  to: number,
  mode: VerificationMode,
  proof: CommitProof = proofFor(view, to),
): RangeVerificationRequest {
  return {
    trusted: view.trustedAt(from - 1),
    blocks: receivedRange(view, from, to),
    commitProof: { proof, peer: 'honest' },
    mode,
  };
}

describe('verifyRange on a valid chain', () => {
  it('verifies 60 blocks over three epoch changes; full checks every QC, anchored only trust-carrying ones', async () => {
    const full = await verifier().verifyRange(request(1, 60, 'full'));
    const anchored = await verifier().verifyRange(request(1, 60, 'anchored'));
    if (!full.ok || !anchored.ok) throw new Error('expected both to verify');
    // full: 60 justify QCs (block 1's certifies genesis) + the double certificate of block 60.
    expect(full.value.qcsChecked).toBe(62);
    expect(full.value.signaturesChecked).toBe(62 * 4);
    // anchored: the QCs of epoch-ending blocks 20 and 40 (carried by 21 and 41) + the proof of 60.
    expect(anchored.value.qcsChecked).toBe(4);
    expect(anchored.value.signaturesChecked).toBe(16);
    for (const r of [full.value, anchored.value]) {
      expect(r.blocks).toHaveLength(60);
      expect(r.validatorSets.map((s) => s.epoch)).toEqual([1, 2, 3]);
      expect(r.tip).toEqual({ ...view.trustedAt(60) });
      expect(r.tip.validatorSet.epoch).toBe(3);
      expect(r.hashes[59]).toEqual(view.hash(60));
      expect(r.peers.every((p) => p === 'honest')).toBe(true);
    }
  });

  it('continues from the tip of the previous range across an epoch change', async () => {
    const v = verifier();
    const first = await v.verifyRange(request(1, 20, 'full'));
    if (!first.ok) throw new Error(first.failure.message);
    const second = await v.verifyRange({
      trusted: first.value.tip,
      blocks: receivedRange(view, 21, 40),
      commitProof: { proof: proofFor(view, 40), peer: 'honest' },
      mode: 'full',
    });
    if (!second.ok) throw new Error(second.failure.message);
    // Block 21's justify is epoch 0's QC for block 20: verified with the set remembered from range 1.
    expect(second.value.qcsChecked).toBe(22);
    // A fresh verifier starting at block 20 does not know epoch 0's set: that QC is skipped
    // (it certifies the trusted block itself and carries no new trust).
    const fresh = await verifier().verifyRange(request(21, 40, 'full'));
    if (!fresh.ok) throw new Error(fresh.failure.message);
    expect(fresh.value.qcsChecked).toBe(21);
  });

  it('verifies ranges given as decoded blocks (verifyBlocks)', async () => {
    const blocks = Array.from({ length: 12 }, (_, k) => view.block(2 + k));
    const r = await verifier().verifyBlocks({
      trusted: view.trustedAt(1),
      blocks,
      peer: 'p',
      commitProof: proofFor(view, 13),
      mode: 'full',
    });
    expect(r.ok).toBe(true);
  });

  it('accepts a range without proof that ends at a height a verified proof committed', async () => {
    const v = verifier();
    const committed = await v.verifyCommitProof(proofFor(view, 13), view.keyed(0).set, 'p');
    expect(committed.ok).toBe(true);
    const { commitProof: _, ...req } = request(2, 13, 'anchored');
    const r = await v.verifyRange(req);
    expect(r.ok).toBe(true);
  });

  it('accepts a timestamp exactly at the tolerance and refuses 1 ms more', async () => {
    const ts = view.block(13).header.timestampMs;
    const at = await verifier({ clock: new ManualClock(ts - 1000), maxFutureDriftMs: 1000 }).verifyRange(
      request(2, 13, 'full'),
    );
    expect(at.ok).toBe(true);
    const beyond = await verifier({ clock: new ManualClock(ts - 1001), maxFutureDriftMs: 1000 }).verifyRange(
      request(2, 13, 'full'),
    );
    expect(beyond).toMatchObject({ ok: false, failure: { check: 'time.future', height: 13 } });
  });
});

describe('modes', () => {
  it('anchored mode authenticates inner QCs by the hash chain; full mode checks their signatures', async () => {
    // Only a Byzantine quorum could build this: block 7 carries a justify with a broken
    // signature, and every later block (validly signed) commits to it through its hashes.
    const justify = view.block(7).justify;
    const signatures = justify.signatures.map((s) => s.slice());
    signatures[1]![3]! ^= 0x04;
    const { blocks, proof } = resignTail(view, 7, 13, (b) => withJustify(b, { ...justify, signatures }));
    const req = (mode: VerificationMode): RangeVerificationRequest => ({
      trusted: view.trustedAt(1),
      blocks: [...receivedRange(view, 2, 6), ...blocks.map((b) => ({ bytes: encodeBlock(b), peer: 'byz' }))],
      commitProof: { proof, peer: 'byz' },
      mode,
    });
    expect(await verifier().verifyRange(req('full'))).toMatchObject({
      ok: false,
      failure: { check: 'qc.signature', height: 7, peer: 'byz' },
    });
    expect((await verifier().verifyRange(req('anchored'))).ok).toBe(true);
  });

  it('the worker pool gives the same verdicts as the main thread', async () => {
    const pooled = verifier({ workers: 2, minParallelChecks: 1, workerBatchSize: 16 });
    const main = verifier();
    const ok1 = await pooled.verifyRange(request(1, 60, 'full'));
    const ok2 = await main.verifyRange(request(1, 60, 'full'));
    expect(ok1).toEqual(ok2);
    const bad = resignTail(view, 30, 45, (b) => {
      const j = b.justify;
      const signatures = j.signatures.map((s) => s.slice());
      signatures[2]![40]! ^= 0x01;
      return withJustify(b, { ...j, signatures });
    });
    const forged: RangeVerificationRequest = {
      trusted: view.trustedAt(20),
      blocks: [
        ...receivedRange(view, 21, 29),
        ...bad.blocks.map((b) => ({ bytes: encodeBlock(b), peer: 'byz' })),
      ],
      commitProof: { proof: bad.proof, peer: 'byz' },
      mode: 'full',
    };
    const f1 = await verifier({ workers: 2, minParallelChecks: 1, workerBatchSize: 16 }).verifyRange(forged);
    const f2 = await verifier().verifyRange(forged);
    expect(f1).toEqual(f2);
    expect(f1).toMatchObject({ ok: false, failure: { check: 'qc.signature', height: 30, peer: 'byz' } });
    expect(pooled.poolStats()).toMatchObject({ workers: 2, fallbackBatches: 0 });
    expect(pooled.poolStats()!.workerChecks).toBe(62 * 4);
  });
});

describe('safety violations', () => {
  const fork = view.forks[0]!;

  it('two commit proofs for different blocks at one height: safety.conflicting-commit with both', async () => {
    const v = verifier();
    const canonical = proofFor(view, 27);
    const forkProof = doubleCertFor(view, fork.block, certifiedHash(fork), fork.qc);
    expect((await v.verifyCommitProof(canonical, view.keyed(1).set, 'a')).ok).toBe(true);
    // checkCommitConflict reports without recording; verifyCommitProof reports after verifying.
    const checked = v.checkCommitConflict(forkProof, 'b');
    expect(checked).toMatchObject({
      ok: false,
      failure: { check: 'safety.conflicting-commit', height: 27, peer: 'b' },
    });
    const result = await v.verifyCommitProof(forkProof, view.keyed(1).set, 'b');
    expect(result).toMatchObject({
      ok: false,
      failure: { check: 'safety.conflicting-commit', height: 27, peer: 'b' },
    });
    if (result.ok) return;
    const evidence = result.failure.evidence;
    expect(evidence?.kind).toBe('conflicting-commit');
    if (evidence?.kind !== 'conflicting-commit') return;
    expect(evidence.first).toEqual(canonical);
    expect(evidence.second).toBe(forkProof);
    // Each proof names the peer it came from.
    expect(evidence).toMatchObject({ firstPeer: 'a', secondPeer: 'b' });
    expect(v.committedHash(27)).toEqual(view.hash(27));
  });

  it('also after a verified range committed the height', async () => {
    const v = verifier();
    expect((await v.verifyRange(request(21, 27, 'anchored'))).ok).toBe(true);
    const forkProof = doubleCertFor(view, fork.block, certifiedHash(fork), fork.qc);
    expect(v.checkCommitConflict(forkProof)).toMatchObject({
      ok: false,
      // The first proof is the range's, named by the peer that delivered it.
      failure: { check: 'safety.conflicting-commit', evidence: { firstPeer: 'honest' } },
    });
  });

  it('two valid QCs for different blocks in one (epoch, view): safety.conflicting-qc with both', async () => {
    const v = verifier();
    expect((await v.verifyRange(request(2, 13, 'full'))).ok).toBe(true); // saw the QC of block 12
    // The validators equivocate: a sibling of block 12 in the same view, also certified.
    const chain = handChain({ blocks: 60, epochLength: 20, viewGaps: [27, 33], name: 'unit' });
    const twelve = view.block(12).header;
    const sibling = buildBlock({
      chainId: view.chainId,
      parent: chain.built[11]!,
      header: { ...twelve, stateRoot: new Uint8Array(32).fill(3) },
      payload: [new Uint8Array([1])],
      signer: view.keyed(0),
    });
    const proof = doubleCertFor(view, sibling.block, sibling.hash, sibling.qc);
    const result = await v.verifyCommitProof(proof, view.keyed(0).set, 'equivocator');
    expect(result).toMatchObject({
      ok: false,
      failure: { check: 'safety.conflicting-qc', height: 12, peer: 'equivocator' },
    });
    if (result.ok || result.failure.evidence?.kind !== 'conflicting-qc')
      throw new Error('expected QC evidence');
    expect(result.failure.evidence.first).toEqual(view.qcOf(12));
    expect(result.failure.evidence.second).toBe(sibling.qc);
    expect(result.failure.evidence.secondPeer).toBe('equivocator');
    expect(result.failure.evidence.firstPeer).toBeDefined(); // the peer whose range carried block 12
  });
});

describe('verifyCommitProof', () => {
  it('refuses a set of another epoch than the header', async () => {
    const r = await verifier().verifyCommitProof(proofFor(view, 13), view.keyed(1).set);
    expect(r).toMatchObject({ ok: false, failure: { check: 'qc.epoch', height: 13 } });
  });

  it('needs the next set for a two-chain across an epoch change, learned only from a verified block', async () => {
    const child = view.block(21);
    const proof: CommitProof = {
      kind: 'two-chain',
      header: view.block(20).header,
      qc: view.qcOf(20),
      child: child.header,
      childQc: view.qcOf(21),
    };
    const v = verifier();
    expect(await v.verifyCommitProof(proof, view.keyed(0).set)).toMatchObject({
      ok: false,
      failure: { check: 'qc.epoch' },
    });
    expect((await v.verifyRange(request(1, 20, 'anchored'))).ok).toBe(true); // learns epoch 1's set
    expect((await v.verifyCommitProof(proof, view.keyed(0).set)).ok).toBe(true);
  });

  it('takes the next set for a two-chain across an epoch change as an argument, if the header committed to it', async () => {
    const child = view.block(21);
    const proof: CommitProof = {
      kind: 'two-chain',
      header: view.block(20).header,
      qc: view.qcOf(20),
      child: child.header,
      childQc: view.qcOf(21),
    };
    expect((await verifier().verifyCommitProof(proof, view.keyed(0).set, 'p', view.keyed(1).set)).ok).toBe(
      true,
    );
    const other = keyedSet(1, 'someone-else', [1n, 1n, 1n, 1n]).set;
    expect(await verifier().verifyCommitProof(proof, view.keyed(0).set, 'p', other)).toMatchObject({
      ok: false,
      failure: { check: 'qc.epoch', height: 20, peer: 'p' },
    });
  });

  it('refuses a double certificate whose second QC is a prepare vote', async () => {
    const b = view.block(13);
    const proof: CommitProof = {
      kind: 'double-cert',
      header: b.header,
      qc: view.qcOf(13),
      commitQc: view.qcOf(13),
    };
    expect(await verifier().verifyCommitProof(proof, view.keyed(0).set)).toMatchObject({
      ok: false,
      failure: { check: 'commit.proof', height: 13 },
    });
  });
});

describe('stage 4: state', () => {
  const encoder = new TextEncoder();
  const failing = handChain({
    blocks: 12,
    name: 'state',
    payload: (h) => [encoder.encode(h === 9 ? 'fail' : `tx-${h}`)],
  });

  it.each(VERIFICATION_MODES)('replays and compares roots (%s)', async (mode) => {
    const v = verifier();
    const range = await v.verifyRange(request(2, 13, mode));
    if (!range.ok) throw new Error(range.failure.message);
    const sm = new FakeStateMachine(1, view.block(1).header.stateRoot);
    const root = await v.applyAndCheckState(sm, range.value, mode);
    expect(root).toEqual({ ok: true, value: view.block(13).header.stateRoot });
    expect(sm.height()).toBe(13);
    expect(sm.rollbacks).toEqual([]);
  });

  it.each(VERIFICATION_MODES)('rolls back to the start on a wrong root (%s)', async (mode) => {
    const v = verifier();
    const range = await v.verifyRange(request(2, 13, mode));
    if (!range.ok) throw new Error(range.failure.message);
    const sm = new FakeStateMachine(1, new Uint8Array(32).fill(1)); // diverged state
    const r = await v.applyAndCheckState(sm, range.value, mode);
    expect(r).toMatchObject({
      ok: false,
      failure: { check: 'state.root', height: mode === 'full' ? 2 : 13, peer: 'honest' },
    });
    expect(sm.rollbacks).toEqual([1]);
    expect(sm.height()).toBe(1);
  });

  it.each(VERIFICATION_MODES)('names the block whose transaction fails to execute (%s)', async (mode) => {
    const v = createVerifier({ chainId: failing.chainId, clock: new ManualClock(NOW), workers: 0 });
    verifiers.push(v);
    const range = await v.verifyRange({
      trusted: failing.trustedAt(0),
      blocks: failing.received(1, 12, 'exec-peer'),
      commitProof: { proof: failing.doubleCert(12), peer: 'exec-peer' },
      mode,
    });
    if (!range.ok) throw new Error(range.failure.message);
    const r = await v.applyAndCheckState(new FakeStateMachine(), range.value, mode);
    expect(r).toMatchObject({
      ok: false,
      failure: { check: 'state.execution', height: 9, peer: 'exec-peer' },
    });
  });

  it('checks a snapshot manifest against the committed block and refuses foreign formats and indices', async () => {
    const v = verifier();
    const s = await view.snapshot();
    const committed = { height: 10, hash: view.hash(10), stateRoot: view.block(10).header.stateRoot };
    expect(v.verifySnapshotManifest(s.stateMachine, s.manifest, committed).ok).toBe(true);
    expect(
      v.verifySnapshotManifest(
        s.stateMachine,
        { ...s.manifest, stateRoot: view.block(11).header.stateRoot },
        committed,
        'p',
      ),
    ).toMatchObject({
      ok: false,
      failure: { check: 'snapshot.root', peer: 'p' },
    });
    expect(v.verifySnapshotManifest(s.stateMachine, { ...s.manifest, height: 11 }, committed)).toMatchObject({
      ok: false,
      failure: { check: 'snapshot.manifest' },
    });
    expect(v.verifySnapshotChunk(s.stateMachine, s.manifest, s.chunk).ok).toBe(true);
    expect(v.verifySnapshotChunk(s.stateMachine, { ...s.manifest, format: 99 }, s.chunk)).toMatchObject({
      ok: false,
      failure: { check: 'snapshot.manifest' },
    });
    expect(v.verifySnapshotChunk(s.stateMachine, s.manifest, { ...s.chunk, index: 4 })).toMatchObject({
      ok: false,
      failure: { check: 'snapshot.chunk' },
    });
  });
});

describe('lifecycle and options', () => {
  it('stops on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(verifier().verifyRange(request(2, 13, 'full'), controller.signal)).rejects.toBeInstanceOf(
      AbortedError,
    );
  });

  it('refuses work after close', async () => {
    const v = verifier();
    await v.close();
    await expect(v.verifyRange(request(2, 13, 'full'))).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses bad options with a typed error', () => {
    expect(() => createVerifier({ chainId: new Uint8Array(31), clock: new ManualClock() })).toThrow(
      ValidationError,
    );
    expect(() =>
      createVerifier({ chainId: view.chainId, clock: new ManualClock(), maxFutureDriftMs: -1 }),
    ).toThrow(ValidationError);
    expect(() => createVerifier({ chainId: view.chainId, clock: new ManualClock(), workers: -2 })).toThrow(
      ValidationError,
    );
  });

  it('runs a custom backend object on the main thread', async () => {
    let calls = 0;
    const counting = verifier({
      backend: {
        name: 'counting',
        verify: () => {
          calls++;
          return true;
        },
      },
      workers: 'auto',
    });
    expect((await counting.verifyRange(request(2, 13, 'full'))).ok).toBe(true);
    expect(calls).toBe(14 * 4);
    expect(counting.poolStats()).toBeUndefined();
  });
});

function certifiedHash(fork: {
  readonly qc: { readonly vote: { readonly blockHash: Uint8Array } };
}): Uint8Array {
  return fork.qc.vote.blockHash;
}
