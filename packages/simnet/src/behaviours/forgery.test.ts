import {
  bytesEqual,
  decodeBlock,
  headerHash,
  type PeerId,
  qcHash,
  type RangeVerificationRequest,
  type TrustedPoint,
  type VerificationMode,
} from '@hotsync/core';
import { createBuiltinBackend, mainThreadRunner, verifyQcs } from '@hotsync/validation';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimChain } from '../chain/sim-chain.js';
import {
  fetchRange,
  resultOf,
  settle,
  smallChain,
  stateAt,
  testNet,
  trustedAt,
  verifierFor,
} from '../fixtures/sim.fixture.js';
import { equivocating } from './equivocating.js';
import { forgedChain, forgerSets, invalidSignatures, uncommittedFork } from './forgery.js';

let chain: SimChain;
beforeAll(async () => {
  chain = await smallChain();
});

const request = (
  trusted: TrustedPoint,
  range: Awaited<ReturnType<typeof fetchRange>>,
  peer: PeerId,
  mode: VerificationMode,
): RangeVerificationRequest => ({
  trusted,
  blocks: range.blocks.map((bytes) => ({ bytes, peer })),
  commitProof: { proof: range.proof, peer },
  mode,
});

/** Every block links to the one before it by recomputed hashes, and the proof is for the last. */
function expectWellFormed(
  blocks: readonly Uint8Array[],
  parentHash: Uint8Array,
  proofHeader: Uint8Array,
): void {
  let parent = parentHash;
  for (const bytes of blocks) {
    const block = decodeBlock(bytes); // canonical, or this throws
    expect(bytesEqual(block.header.parentHash, parent)).toBe(true);
    expect(bytesEqual(block.justify.vote.blockHash, parent)).toBe(true);
    expect(bytesEqual(block.header.justifyHash, qcHash(block.justify))).toBe(true);
    parent = headerHash(block.header);
  }
  expect(bytesEqual(proofHeader, parent)).toBe(true);
}

describe('invalidSignatures', () => {
  it('serves a consistently re-hashed chain that only the signature check refuses', async () => {
    const t = await testNet({ servers: { bad: [invalidSignatures({ fromHeight: 10 })] } });
    const range = await fetchRange(t, 'bad', 10, 22);
    const last = 10 + range.blocks.length - 1;
    // Below 10 it serves the honest chain; from 10 on every block differs.
    const below = resultOf(await settle(t.sim, t.client.blocksByRange('bad', { startHeight: 5, count: 5 })));
    expect(below).toEqual([5, 6, 7, 8, 9].map((h) => chain.blockBytes(h)));
    expect(range.blocks.some((b, i) => bytesEqual(b, chain.blockBytes(10 + i)!))).toBe(false);
    expectWellFormed(range.blocks, chain.blockHash(9)!, headerHash(range.proof.header));

    const trusted = trustedAt(chain, 9);
    for (const mode of ['full', 'anchored'] as const) {
      const verdict = await verifierFor(chain, t.sim).verifyRange(request(trusted, range, 'bad', mode));
      expect(verdict.ok ? 'accepted' : verdict.failure.check).toBe('qc.signature');
      expect(!verdict.ok && verdict.failure.peer).toBe('bad');
    }
    const full = await verifierFor(chain, t.sim).verifyRange(request(trusted, range, 'bad', 'full'));
    // Block 10's justify is the honest QC of block 9; block 11's votes for the re-hashed 10.
    expect(!full.ok && full.failure.height).toBe(11);

    // With signatures switched off, structure, consensus rules, the commit proof and state all pass.
    const blind = verifierFor(chain, t.sim, { acceptAllSignatures: true });
    const accepted = await blind.verifyRange(request(trusted, range, 'bad', 'full'));
    if (!accepted.ok) throw new Error(`expected acceptance, got ${accepted.failure.check}`);
    expect(accepted.value.tip.height).toBe(last);
    const state = await blind.applyAndCheckState(await stateAt(chain, 9), accepted.value, 'full');
    expect(state.ok).toBe(true);
  });
});

describe('forgedChain', () => {
  it('serves a chain signed by non-validators that verifies under the forger set and fails qc.signature under the real one', async () => {
    const t = await testNet({ servers: { forger: [forgedChain({ fromHeight: 10 })] } });
    const forger = forgerSets(chain.store);
    for (const set of chain.generated.validatorSets) {
      for (const key of forger.keys) {
        expect(set.validators.some((v) => bytesEqual(v.publicKey, key.publicKey))).toBe(false);
      }
    }
    const range = await fetchRange(t, 'forger', 10, 22);
    expectWellFormed(range.blocks, chain.blockHash(9)!, headerHash(range.proof.header));
    const trusted = trustedAt(chain, 9);
    for (const mode of ['full', 'anchored'] as const) {
      const verdict = await verifierFor(chain, t.sim).verifyRange(request(trusted, range, 'forger', mode));
      expect(verdict.ok ? 'accepted' : verdict.failure.check).toBe('qc.signature');
    }
    const full = await verifierFor(chain, t.sim).verifyRange(request(trusted, range, 'forger', 'full'));
    expect(!full.ok && full.failure.height).toBe(10); // block 10 carries the first forged QC

    // Trusting the forger's set instead, the same bytes verify, across an epoch change too.
    const underForger = (point: TrustedPoint): TrustedPoint => ({
      ...point,
      validatorSet: forger.set(point.epoch),
    });
    const fooled = await verifierFor(chain, t.sim).verifyRange(
      request(underForger(trusted), range, 'forger', 'full'),
    );
    expect(fooled.ok).toBe(true);
    const across = await fetchRange(t, 'forger', 10, 58);
    expect(across.blocks.length).toBeGreaterThan(41); // past the epoch-ending block 50
    const fooledAcross = await verifierFor(chain, t.sim).verifyRange(
      request(underForger(trusted), across, 'forger', 'full'),
    );
    expect(
      fooledAcross.ok ? fooledAcross.value.validatorSets.map((s) => s.epoch) : fooledAcross.failure.check,
    ).toEqual([1]);
  });
});

describe('uncommittedFork', () => {
  it('serves the certified fork block with a proof made of valid parts that the commit check refuses', async () => {
    const t = await testNet({ servers: { fork: [uncommittedFork()] } });
    const fork = chain.generated.forks[0]!;
    const height = fork.block.header.height;
    const status = resultOf(await settle(t.sim, t.client.status('fork')));
    expect(status.height).toBe(height);
    expect(bytesEqual(status.blockHash, headerHash(fork.block.header))).toBe(true);

    const range = await fetchRange(t, 'fork', height - 5, height);
    expect(range.blocks).toHaveLength(6);
    expect(range.blocks.slice(0, 5)).toEqual([5, 4, 3, 2, 1].map((d) => chain.blockBytes(height - d)));
    expect(bytesEqual(range.blocks[5]!, chain.blockBytes(height)!)).toBe(false);
    expectWellFormed(range.blocks, chain.blockHash(height - 6)!, headerHash(range.proof.header));

    const trusted = trustedAt(chain, height - 6);
    for (const mode of ['full', 'anchored'] as const) {
      for (const blind of [false, true]) {
        const verdict = await verifierFor(chain, t.sim, { acceptAllSignatures: blind }).verifyRange(
          request(trusted, range, 'fork', mode),
        );
        expect(
          verdict.ok ? 'accepted' : [verdict.failure.check, verdict.failure.height, verdict.failure.peer],
        ).toEqual(['commit.proof', height, 'fork']);
      }
    }
    // Every QC of the bogus proof is genuinely signed by the validators.
    if (range.proof.kind !== 'two-chain') throw new Error('expected a two-chain proof');
    const set = chain.generated.validatorSets[fork.block.header.epoch]!;
    const runner = mainThreadRunner(createBuiltinBackend('node'));
    const tasks = [range.proof.qc, range.proof.childQc].map((qc) => ({ qc, set, height, role: 'proof qc' }));
    expect((await verifyQcs(tasks, chain.chainId, runner)).ok).toBe(true);
  });
});

describe('equivocating', () => {
  it('answers the same request differently, and the alternative answer fails its own check', async () => {
    const t = await testNet({ servers: { eq: [equivocating()] } });
    const count = 12;
    const ask = async () => {
      const blocks = resultOf(await settle(t.sim, t.client.blocksByRange('eq', { startHeight: 1, count })));
      return blocks;
    };
    const [first, second] = [await ask(), await ask()];
    expect(bytesEqual(first[0]!, second[0]!)).toBe(false);
    const proofs = [
      resultOf(await settle(t.sim, t.client.commitProof('eq', count))),
      resultOf(await settle(t.sim, t.client.commitProof('eq', count))),
    ];
    // Pair each answer with the proof of the same chain, then verify both.
    const verdicts = [];
    for (const blocks of [first, second]) {
      const last = headerHash(decodeBlock(blocks.at(-1)!).header);
      const proof = proofs.find((p) => bytesEqual(headerHash(p.header), last))!;
      verdicts.push(
        await verifierFor(chain, t.sim).verifyRange(
          request(chain.genesisPoint, { blocks, proof }, 'eq', 'full'),
        ),
      );
    }
    expect(verdicts.map((v) => (v.ok ? 'accepted' : v.failure.check)).sort()).toEqual([
      'accepted',
      'qc.signature',
    ]);

    const [a, b] = [
      resultOf(await settle(t.sim, t.client.status('eq'))),
      resultOf(await settle(t.sim, t.client.status('eq'))),
    ];
    expect(a.height).toBe(b.height);
    expect(bytesEqual(a.blockHash, b.blockHash)).toBe(false);
  });
});
