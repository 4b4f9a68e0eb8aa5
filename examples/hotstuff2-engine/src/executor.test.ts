import {
  bytesEqual,
  createMemoryStateMachine,
  encodeBalance,
  encodeStateTx,
  type Hash,
  MemoryChainStore,
  toHex,
} from '@hotsync/core';
import { generateChain } from '@hotsync/core/testing';
import { describe, expect, it } from 'vitest';
import { type ExecutableNode, SpeculativeExecutor } from './executor.js';

const enc = new TextEncoder();
const put = (key: string, value: string) =>
  encodeStateTx({ kind: 'put', key: enc.encode(key), value: enc.encode(value) });

/** Nodes executing `payloads` in order from height 1, with their true roots. */
async function chainOf(payloads: Uint8Array[][], tag: string): Promise<ExecutableNode[]> {
  const sm = createMemoryStateMachine();
  const roots = await sm.applyBlocks(
    payloads.map((transactions, i) => ({ height: i + 1, transactions })),
    'each',
  );
  return payloads.map((payload, i) => ({
    key: `${tag}${i}`,
    height: i + 1,
    stateRoot: roots[i]!,
    block: { header: {} as never, justify: {} as never, payload },
  }));
}

describe('SpeculativeExecutor', () => {
  it('switches branches by rolling back to the common ancestor, checks roots, commits for good', async () => {
    const sm = createMemoryStateMachine();
    const executor = new SpeculativeExecutor(sm);
    const a = await chainOf([[put('x', '1')], [put('y', '2')], [put('z', '3')]], 'a');
    const b = await chainOf([[put('x', '1')], [put('y', 'other')]], 'b');
    const fork = [a[0]!, { ...b[1]!, key: 'b1' }];

    expect(await executor.ensureBranch(a)).toEqual({ ok: true, root: a[2]!.stateRoot });
    expect(sm.height()).toBe(3);
    expect(await executor.ensureBranch(fork)).toEqual({ ok: true, root: b[1]!.stateRoot });
    expect(sm.root()).toEqual(b[1]!.stateRoot);

    const wrong = { ...a[2]!, key: 'w', height: 3, stateRoot: new Uint8Array(32).fill(9) as Hash };
    const outcome = await executor.ensureBranch([...fork, wrong]);
    expect(outcome).toMatchObject({ ok: false, reason: 'root-mismatch', failed: { key: 'w' } });
    expect(sm.height()).toBe(2); // the failed block is undone, its parent stays

    const overdraw = encodeStateTx({
      kind: 'transfer',
      from: enc.encode('p'),
      to: enc.encode('q'),
      amount: 5n,
    });
    const bad = { ...a[2]!, key: 'bad', block: { ...a[2]!.block!, payload: [overdraw] } };
    expect(await executor.ensureBranch([...fork, bad])).toMatchObject({
      ok: false,
      reason: 'execution-failed',
    });
    expect(sm.height()).toBe(2);

    await executor.commit([a[0]!]);
    expect(executor.committedHeight()).toBe(1);
    await expect(sm.rollbackTo(0)).rejects.toMatchObject({ code: 'state.rollback-unavailable' });
    expect(await executor.ensureBranch([a[1]!, a[2]!])).toEqual({ ok: true, root: a[2]!.stateRoot });
    await executor.rollbackSpeculation();
    expect(sm.height()).toBe(1);
  });

  it('builds a block leaving out transactions the state refuses', async () => {
    const sm = createMemoryStateMachine();
    const executor = new SpeculativeExecutor(sm);
    const fund = encodeStateTx({ kind: 'put', key: enc.encode('p'), value: encodeBalance(3n) });
    const overdraw = encodeStateTx({
      kind: 'transfer',
      from: enc.encode('p'),
      to: enc.encode('q'),
      amount: 5n,
    });
    const built = await executor.build([], 1, [fund, overdraw, put('k', 'v')]);
    expect(built?.transactions).toEqual([fund, put('k', 'v')]);
    const reference = await chainOf([[fund, put('k', 'v')]], 'x');
    expect(built?.root).toEqual(reference[0]!.stateRoot);
    executor.adopt('built');
    expect(await executor.ensureBranch([{ ...reference[0]!, key: 'built' }])).toEqual({
      ok: true,
      root: reference[0]!.stateRoot,
    });
    expect(sm.height()).toBe(1); // adopted: not executed twice
  });

  it('reconciles with the store: replays stored blocks a state machine lacks, refuses a foreign root', async () => {
    const store = new MemoryChainStore();
    const chain = await generateChain({
      seed: 5,
      blocks: 20,
      store,
      stateMachine: createMemoryStateMachine(),
    });
    const sm = createMemoryStateMachine();
    const executor = new SpeculativeExecutor(sm);
    await executor.reconcile(chain.tip, store);
    expect(sm.height()).toBe(20);
    expect(bytesEqual(sm.root(), chain.tip.stateRoot)).toBe(true);
    expect(toHex(sm.root())).toBe(toHex(store.tip()!.stateRoot));
    await expect(
      executor.reconcile({ ...chain.tip, stateRoot: new Uint8Array(32) }, store),
    ).rejects.toMatchObject({ code: 'engine.state-mismatch' });
  });
});
