import {
  type CommitProof,
  createMemoryStateMachine,
  isZero,
  ManualClock,
  quorumThreshold,
  VERIFICATION_MODES,
  type VerificationMode,
} from '@hotsync/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNodeBackend } from './backends/node-backend.js';
import type { SignatureBackend } from './backends/signature-backend.js';
import { doubleCertFor, proofFor, receivedRange, subsetWithPower } from './fixtures/chain-view.fixture.js';
import { FORGERY_CASES, planForgeries, runScenario } from './fixtures/forgeries.fixture.js';
import { type GeneratedView, generatedView } from './fixtures/generated-view.fixture.js';
import { createVerifier } from './verifier.js';

const FAR_FUTURE = 4_000_000_000_000;

describe('forged inputs on a generated chain: each fails exactly its check, in both modes', () => {
  let view: GeneratedView;
  let plan: ReturnType<typeof planForgeries>;

  beforeAll(async () => {
    // Seed 10: epoch 0's powers (45, 7, 50, 68) let two validators hold exactly quorum − 1
    // (113 of 114), so the quorum case is one unit short, with unequal power.
    view = await generatedView({
      seed: 10,
      blocks: 400,
      epochLength: 100,
      forkHeights: [57],
      snapshotHeights: [150, 160],
      snapshotChunkBytes: 4096,
    });
    plan = planForgeries(view);
  });

  it('has what the table needs: unequal power one unit short of quorum, a fork, a view gap, snapshots', () => {
    const set = view.keyed(0).set;
    expect(new Set(set.validators.map((v) => v.votingPower)).size).toBeGreaterThan(1);
    expect(subsetWithPower(set, quorumThreshold(set) - 1n)).toBeDefined();
    expect(view.forks.map((f) => f.block.header.height)).toEqual([57]);
    expect(view.block(plan.gap).header.view).toBeGreaterThan(view.block(plan.gap - 1).header.view + 1);
    expect(view.chain.snapshots.map((s) => s.height)).toEqual([150, 160]);
  });

  it.each(VERIFICATION_MODES)('the unforged range verifies (%s)', async (mode) => {
    const failure = await runScenario(
      view,
      {
        kind: 'range',
        request: {
          trusted: view.trustedAt(plan.a - 1),
          blocks: receivedRange(view, plan.a, plan.b),
          commitProof: { proof: proofFor(view, plan.b), peer: 'honest' },
        },
        height: 0,
        peer: 'honest',
      },
      mode,
    );
    expect(failure).toBeUndefined();
  });

  it("two commit proofs at the fork's height: safety.conflicting-commit carrying both", async () => {
    const verifier = createVerifier({
      chainId: view.chainId,
      clock: new ManualClock(FAR_FUTURE),
      workers: 0,
    });
    const fork = view.forks[0]!;
    const set = view.keyed(fork.block.header.epoch).set;
    const canonical = proofFor(view, 57);
    // The validators would have to sign a commit vote for the fork too: an equivocation.
    const forkProof = doubleCertFor(view, fork.block, fork.qc.vote.blockHash, fork.qc);
    expect((await verifier.verifyCommitProof(canonical, set, 'a')).ok).toBe(true);
    const result = await verifier.verifyCommitProof(forkProof, set, 'b');
    await verifier.close();
    expect(result).toMatchObject({
      ok: false,
      failure: { check: 'safety.conflicting-commit', height: 57, peer: 'b' },
    });
    if (result.ok || result.failure.evidence?.kind !== 'conflicting-commit')
      throw new Error('expected evidence');
    expect(result.failure.evidence.first).toEqual(canonical);
    expect(result.failure.evidence.second).toBe(forkProof);
  });

  for (const forgery of FORGERY_CASES) {
    it.each(VERIFICATION_MODES)(`${forgery.name} → ${forgery.check} (%s)`, async (mode) => {
      const scenario = await forgery.build(view, plan);
      const failure = await runScenario(view, scenario, mode);
      expect(failure).toMatchObject({ check: forgery.check, height: scenario.height, peer: scenario.peer });
    });
  }
});

/** Counts every signature verification that reaches the backend. */
function countingBackend(
  inner: SignatureBackend = createNodeBackend(),
): SignatureBackend & { calls: number } {
  const counter = {
    name: 'counting',
    calls: 0,
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      counter.calls++;
      return inner.verify(publicKey, message, signature);
    },
  };
  return counter;
}

describe('a valid 10,000-block chain with 3 epochs', () => {
  const BLOCKS = 10_000;
  const EPOCH = 3_400; // epoch changes at 3,400 and 6,800: epochs 0, 1, 2
  let view: GeneratedView;
  /** Ranges of four stored batches each: some contain an epoch change inside, some end at one. */
  let ranges: { a: number; b: number; proof: CommitProof }[];
  let epochEnds: number[];

  beforeAll(async () => {
    view = await generatedView({ seed: 3, blocks: BLOCKS, epochLength: EPOCH });
    const ends = view.chain.proofHeights.filter((_, k, all) => k % 4 === 3 || k === all.length - 1);
    ranges = ends.map((b, k) => ({ a: (ends[k - 1] ?? 0) + 1, b, proof: view.store.commitProof(b)! }));
    epochEnds = [];
    for (let h = 1; h <= BLOCKS; h++)
      if (!isZero(view.block(h).header.nextValidatorSetHash)) epochEnds.push(h);
  }, 120_000);

  const verifyAll = async (mode: VerificationMode, backend: SignatureBackend, upTo = BLOCKS) => {
    const verifier = createVerifier({
      chainId: view.chainId,
      clock: new ManualClock(FAR_FUTURE),
      backend,
      workers: 0,
    });
    let trusted = view.trustedAt(0);
    let qcs = 0;
    let signatures = 0;
    const stateMachine = createMemoryStateMachine();
    for (const { a, b, proof } of ranges.filter((r) => r.b <= upTo)) {
      const r = await verifier.verifyRange({
        trusted,
        blocks: receivedRange(view, a, b),
        commitProof: { proof, peer: 'p' },
        mode,
      });
      if (!r.ok) throw new Error(`${r.failure.check} at ${r.failure.height}: ${r.failure.message}`);
      const state = await verifier.applyAndCheckState(stateMachine, r.value, mode);
      if (!state.ok) throw new Error(`${state.failure.check} at ${state.failure.height}`);
      trusted = r.value.tip;
      qcs += r.value.qcsChecked;
      signatures += r.value.signaturesChecked;
    }
    await verifier.close();
    return { qcs, signatures, tip: trusted, root: stateMachine.root() };
  };

  it('has 3 epochs and ranges that cross epoch changes', () => {
    expect(epochEnds).toEqual([3_400, 6_800]);
    expect(view.chain.validatorSets.map((s) => s.epoch)).toEqual([0, 1, 2]);
    const inner = ranges.filter((r) => epochEnds.some((e) => e >= r.a && e < r.b));
    const ending = ranges.filter((r) => epochEnds.includes(r.b));
    expect(inner.length + ending.length).toBe(2);
    expect(ranges[ranges.length - 1]!.b).toBe(BLOCKS);
  });

  it('anchored mode verifies only the commit proofs and the QCs of epoch-ending blocks', async () => {
    // Expected, from the chain itself: per range the proof's two QCs, plus for each epoch
    // change strictly inside a range the QC of the epoch-ending block (carried by the next block).
    let expectedQcs = 0;
    let expectedSignatures = 0;
    for (const { a, b, proof } of ranges) {
      const last = proof.kind === 'two-chain' ? proof.childQc : proof.commitQc;
      expectedQcs += 2;
      expectedSignatures += proof.qc.signatures.length + last.signatures.length;
      for (const e of epochEnds) {
        if (e >= a && e < b) {
          expectedQcs += 1;
          expectedSignatures += view.block(e + 1).justify.signatures.length;
        }
      }
    }
    const backend = countingBackend();
    const result = await verifyAll('anchored', backend);
    expect(result.qcs).toBe(expectedQcs);
    expect(backend.calls).toBe(expectedSignatures);
    expect(result.signatures).toBe(expectedSignatures);
    expect(expectedQcs).toBe(2 * ranges.length + 2 - ranges.filter((r) => epochEnds.includes(r.b)).length);
    // ... and still arrives at the generator's tip and state root.
    expect(result.tip).toEqual(view.chain.tip);
    expect(result.root).toEqual(view.chain.tip.stateRoot);
  }, 120_000);

  it('full mode verifies every QC (first 4,096 blocks, to keep the suite fast)', async () => {
    const backend = countingBackend();
    const upTo = 4_096;
    const covered = ranges.filter((r) => r.b <= upTo);
    const lastHeight = covered[covered.length - 1]!.b;
    const result = await verifyAll('full', backend, upTo);
    // Every block's justify (block 1's certifies genesis) plus two QCs per range.
    expect(result.qcs).toBe(lastHeight + 2 * covered.length);
    let signatures = 0;
    for (let h = 1; h <= lastHeight; h++) signatures += view.block(h).justify.signatures.length;
    for (const { proof } of covered) {
      signatures += proof.qc.signatures.length;
      signatures += (proof.kind === 'two-chain' ? proof.childQc : proof.commitQc).signatures.length;
    }
    expect(backend.calls).toBe(signatures);
    expect(result.tip).toEqual(view.trustedAt(lastHeight));
    expect(lastHeight).toBeGreaterThan(EPOCH); // crosses the first epoch change
  }, 120_000);
});
