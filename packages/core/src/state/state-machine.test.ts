import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hash } from '../chain/types.js';
import { toHex } from '../encoding/bytes.js';
import { InvalidArgumentError, StateExecutionError } from '../errors.js';
import { ZERO_HASH } from '../hashing.js';
import type { ExecutableBlock } from '../interfaces/state-machine.js';
import { SeededRandom, shuffleInPlace } from '../random.js';
import { createMemoryStateMachine, openLmdbStateMachine } from './factories.js';
import type { MerkleKvStateMachine } from './state-machine.js';
import { encodeBalance, encodeStateTx, MAX_BALANCE, type StateTx } from './tx-codec.js';

const enc = new TextEncoder();
const key = (s: string): Uint8Array => enc.encode(s);
const put = (k: string, v: string | Uint8Array): StateTx => ({
  kind: 'put',
  key: key(k),
  value: typeof v === 'string' ? enc.encode(v) : v,
});
const del = (k: string): StateTx => ({ kind: 'delete', key: key(k) });
const transfer = (from: string, to: string, amount: bigint): StateTx => ({
  kind: 'transfer',
  from: key(from),
  to: key(to),
  amount,
});
const block = (height: number, txs: readonly StateTx[]): ExecutableBlock => ({
  height,
  transactions: txs.map(encodeStateTx),
});
/** Consecutive blocks from `height`, one per list of transactions. */
const blocksFrom = (height: number, txs: readonly (readonly StateTx[])[]): ExecutableBlock[] =>
  txs.map((t, i) => block(height + i, t));
const hex = (h: Hash): string => toHex(h);
const text = (v: Uint8Array | undefined): string | undefined =>
  v === undefined ? undefined : new TextDecoder().decode(v);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hotsync-state-'));
  dirs.push(d);
  return d;
}

interface Factory {
  readonly name: string;
  open(depth?: number): Promise<MerkleKvStateMachine>;
}

const factories: Factory[] = [
  { name: 'memory', open: async (depth) => createMemoryStateMachine(depth === undefined ? {} : { depth }) },
  {
    name: 'lmdb',
    open: (depth) =>
      openLmdbStateMachine({ path: tempDir(), noSync: true, ...(depth === undefined ? {} : { depth }) }),
  },
];

/** Runs `fn` and returns the StateExecutionError it throws. */
async function executionError(fn: () => Promise<unknown>): Promise<StateExecutionError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StateExecutionError);
    return err as StateExecutionError;
  }
  throw new Error('expected a StateExecutionError');
}

/** A few hundred puts over a small key space, with overwrites, so buckets hold several keys. */
function contentTxs(seed: number, count: number): StateTx[] {
  const random = new SeededRandom(seed);
  const txs: StateTx[] = [];
  for (let i = 0; i < count; i++)
    txs.push(put(`k/${random.int(0, count / 2)}`, random.bytes(random.int(0, 40))));
  return txs;
}

/** The final content those transactions leave, as one put per key. */
function finalContent(txs: readonly StateTx[]): StateTx[] {
  const last = new Map<string, StateTx>();
  for (const tx of txs) if (tx.kind === 'put') last.set(hex(tx.key), tx);
  return [...last.values()];
}

describe.each(factories)('MerkleKvStateMachine ($name)', (factory) => {
  describe('roots', () => {
    it('starts empty at height 0 with a zero root', async () => {
      const sm = await factory.open();
      expect(sm.height()).toBe(0);
      expect(sm.root()).toEqual(ZERO_HASH);
      expect(sm.stats()).toEqual({ entries: 0, bytes: 0, depth: 16 });
      await sm.close();
    });

    it('changes the root when one value byte changes', async () => {
      const a = await factory.open();
      const b = await factory.open();
      const [ra] = await a.applyBlocks([block(1, [put('x', 'value-0'), put('y', 'other')])], 'each');
      const [rb] = await b.applyBlocks([block(1, [put('x', 'value-1'), put('y', 'other')])], 'each');
      expect(hex(ra!)).not.toBe(hex(rb!));
      expect(hex(ra!)).not.toBe(hex(ZERO_HASH));
      await a.close();
      await b.close();
    });

    it('does not depend on transaction order or on how blocks split them', async () => {
      const txs = contentTxs(1, 400);
      const content = finalContent(txs);
      const reference = await factory.open();
      await reference.applyBlocks([block(1, content)], 'last');
      const expected = hex(reference.root());

      const random = new SeededRandom(2);
      for (let trial = 0; trial < 3; trial++) {
        // The same final content reached in another order and another split.
        const shuffled = shuffleInPlace([...content], random);
        const split: StateTx[][] = [];
        for (let i = 0; i < shuffled.length; ) {
          const n = random.int(1, 60);
          split.push(shuffled.slice(i, i + n));
          i += n;
        }
        const sm = await factory.open();
        await sm.applyBlocks(blocksFrom(1, split), trial % 2 === 0 ? 'each' : 'last');
        expect(hex(sm.root())).toBe(expected);
        expect(sm.stats().entries).toBe(content.length);
        await sm.close();
      }
      // Deleting keys nobody else wrote, then adding them back, leaves the root as it was.
      await reference.applyBlocks(
        [block(2, [del('k/1'), del('k/2'), put('tmp', 'x')]), block(3, [del('tmp')])],
        'last',
      );
      await reference.applyBlocks(
        [
          block(
            4,
            content.filter((t) => t.kind === 'put' && ['k/1', 'k/2'].includes(text(t.key)!)),
          ),
        ],
        'last',
      );
      expect(hex(reference.root())).toBe(expected);
      await reference.close();
    });

    it("gives 'each' and 'last' the same final root; 'each' returns every block's root", async () => {
      const txs = contentTxs(5, 300);
      const chunks = [txs.slice(0, 100), txs.slice(100, 101), [], txs.slice(101, 300)];
      const each = await factory.open();
      const last = await factory.open();
      const oneByOne = await factory.open();
      const eachRoots = await each.applyBlocks(blocksFrom(1, chunks), 'each');
      const lastRoots = await last.applyBlocks(blocksFrom(1, chunks), 'last');
      const singleRoots: Hash[] = [];
      for (const b of blocksFrom(1, chunks)) singleRoots.push(...(await oneByOne.applyBlocks([b], 'last')));
      expect(eachRoots.map(hex)).toEqual(singleRoots.map(hex));
      expect(lastRoots.map(hex)).toEqual([hex(eachRoots[3]!)]);
      expect(hex(each.root())).toBe(hex(last.root()));
      expect(each.height()).toBe(4);
      expect(last.height()).toBe(4);
      expect(eachRoots[1]).not.toEqual(eachRoots[0]);
      expect(eachRoots[2]).toEqual(eachRoots[1]); // an empty block changes nothing
      for (const sm of [each, last, oneByOne]) await sm.close();
    });

    it('returns nothing for an empty call and stays put', async () => {
      const sm = await factory.open();
      expect(await sm.applyBlocks([], 'last')).toEqual([]);
      expect(sm.height()).toBe(0);
      await sm.close();
    });
  });

  describe('execution', () => {
    it('puts, overwrites and deletes keys', async () => {
      const sm = await factory.open();
      await sm.applyBlocks([block(1, [put('a', '1'), put('b', '2'), put('a', '3')])], 'each');
      expect(text(sm.get(key('a')))).toBe('3');
      expect(text(sm.get(key('b')))).toBe('2');
      await sm.applyBlocks([block(2, [del('a'), del('never-existed')])], 'each');
      expect(sm.get(key('a'))).toBeUndefined();
      expect(text(sm.get(key('b')))).toBe('2');
      expect(sm.stats().entries).toBe(1);
      expect(sm.stats().bytes).toBe(8 + 1 + 1);
      await sm.close();
    });

    it('moves balances, treating a missing balance as 0', async () => {
      const sm = await factory.open();
      await sm.applyBlocks(
        [
          block(1, [put('alice', encodeBalance(100n))]),
          block(2, [
            transfer('alice', 'bob', 30n),
            transfer('bob', 'carol', 10n),
            transfer('alice', 'alice', 70n),
          ]),
        ],
        'last',
      );
      expect(sm.get(key('alice'))).toEqual(encodeBalance(70n));
      expect(sm.get(key('bob'))).toEqual(encodeBalance(20n));
      expect(sm.get(key('carol'))).toEqual(encodeBalance(10n));
      // A zero transfer between unknown accounts creates zero balances.
      await sm.applyBlocks([block(3, [transfer('dan', 'erin', 0n)])], 'last');
      expect(sm.get(key('erin'))).toEqual(encodeBalance(0n));
      await sm.close();
    });

    describe('failures apply nothing of the call', () => {
      const setup: StateTx[] = [
        put('alice', encodeBalance(100n)),
        put('rich', encodeBalance(MAX_BALANCE)),
        put('odd', 'not-8-bytes'),
        put('keep', 'original'),
      ];
      const cases: {
        name: string;
        txs: readonly Uint8Array[];
        code: string;
        index: number;
      }[] = [
        {
          name: 'insufficient balance',
          txs: [put('keep', 'changed'), transfer('alice', 'bob', 101n)].map(encodeStateTx),
          code: 'state.execution-failed',
          index: 1,
        },
        {
          name: 'receiver overflow',
          txs: [put('keep', 'changed'), transfer('alice', 'rich', 1n)].map(encodeStateTx),
          code: 'state.execution-failed',
          index: 1,
        },
        {
          name: 'sender balance not 8 bytes',
          txs: [transfer('odd', 'bob', 0n)].map(encodeStateTx),
          code: 'state.execution-failed',
          index: 0,
        },
        {
          name: 'receiver balance not 8 bytes',
          txs: [put('keep', 'changed'), put('new', 'x'), transfer('alice', 'odd', 5n)].map(encodeStateTx),
          code: 'state.execution-failed',
          index: 2,
        },
        {
          name: 'malformed transaction',
          txs: [encodeStateTx(put('keep', 'changed')), Uint8Array.of(1, 0, 0)],
          code: 'state.invalid-transaction',
          index: 1,
        },
        {
          name: 'unknown transaction kind',
          txs: [Uint8Array.of(7)],
          code: 'state.invalid-transaction',
          index: 0,
        },
        {
          name: 'oversized value',
          txs: [Uint8Array.of(1, 0, 0, 0, 1, 0x6b, 0, 1, 0, 1, ...new Uint8Array(65_537))],
          code: 'state.invalid-transaction',
          index: 0,
        },
      ];

      it.each(cases)('$name', async ({ txs, code, index }) => {
        const sm = await factory.open();
        await sm.applyBlocks([block(1, setup)], 'each');
        const root = sm.root();
        const stats = sm.stats();
        for (const schedule of ['each', 'last'] as const) {
          // The failing block comes after a good one in the same call: that one is not applied either.
          const err = await executionError(() =>
            sm.applyBlocks(
              [block(2, [put('keep', 'by block 2'), put('fresh', 'x')]), { height: 3, transactions: txs }],
              schedule,
            ),
          );
          expect(err.code).toBe(code);
          expect(err.height).toBe(3);
          expect(err.transactionIndex).toBe(index);
          expect(sm.height()).toBe(1);
          expect(sm.root()).toEqual(root);
          expect(sm.stats()).toEqual(stats);
          expect(text(sm.get(key('keep')))).toBe('original');
          expect(sm.get(key('fresh'))).toBeUndefined();
        }
        // The state still works, and reaches the root an untouched state would.
        const [after] = await sm.applyBlocks([block(2, [put('z', '1')])], 'each');
        const clean = await factory.open();
        await clean.applyBlocks([block(1, setup), block(2, [put('z', '1')])], 'last');
        expect(after).toEqual(clean.root());
        await sm.close();
        await clean.close();
      });

      it('refuses heights that do not continue the state', async () => {
        const sm = await factory.open();
        await sm.applyBlocks([block(1, setup)], 'each');
        const root = sm.root();
        for (const blocks of [
          [block(3, [put('x', '1')])],
          [block(1, [put('x', '1')])],
          [block(2, [put('x', '1')]), block(4, [])],
        ]) {
          const err = await executionError(() => sm.applyBlocks(blocks, 'last'));
          expect(err.code).toBe('state.height-gap');
          expect(err.height).toBe(blocks[blocks.length - 1]!.height);
          expect(sm.height()).toBe(1);
          expect(sm.root()).toEqual(root);
          expect(sm.get(key('x'))).toBeUndefined();
        }
        await sm.close();
      });
    });
  });

  describe('rollback and prune', () => {
    async function withHistory(): Promise<{ sm: MerkleKvStateMachine; roots: Hash[] }> {
      const sm = await factory.open();
      const roots = [sm.root()];
      const txs = contentTxs(9, 200);
      const perBlock: StateTx[][] = [];
      for (let h = 0; h < 8; h++) perBlock.push(txs.slice(h * 25, (h + 1) * 25));
      perBlock[3]!.push(del('k/3'), del('k/4'), put('acct', encodeBalance(5n)));
      perBlock[5]!.push(transfer('acct', 'other', 2n), del('k/10'));
      roots.push(...(await sm.applyBlocks(blocksFrom(1, perBlock), 'each')));
      return { sm, roots };
    }

    it('undoes blocks back to any height above the last prune', async () => {
      const { sm, roots } = await withHistory();
      expect(sm.get(key('acct'))).toEqual(encodeBalance(3n));
      await sm.rollbackTo(5);
      expect(sm.height()).toBe(5);
      expect(hex(sm.root())).toBe(hex(roots[5]!));
      expect(sm.get(key('acct'))).toEqual(encodeBalance(5n));
      expect(sm.get(key('other'))).toBeUndefined();
      await sm.rollbackTo(3);
      expect(hex(sm.root())).toBe(hex(roots[3]!));
      expect(sm.get(key('acct'))).toBeUndefined();
      await sm.rollbackTo(0);
      expect(sm.root()).toEqual(ZERO_HASH);
      expect(sm.stats()).toEqual({ entries: 0, bytes: 0, depth: 16 });
      await sm.close();
    });

    it('matches the root of every height when rolling back step by step, and continues after', async () => {
      const { sm, roots } = await withHistory();
      for (let h = 7; h >= 2; h--) {
        await sm.rollbackTo(h);
        expect(hex(sm.root())).toBe(hex(roots[h]!));
      }
      const [r3] = await sm.applyBlocks([block(3, [put('new', 'branch')])], 'each');
      expect(hex(r3!)).not.toBe(hex(roots[3]!));
      expect(sm.height()).toBe(3);
      await sm.rollbackTo(2);
      expect(hex(sm.root())).toBe(hex(roots[2]!));
      await sm.close();
    });

    it('refuses to roll back below the last prune, or above the current height', async () => {
      const { sm, roots } = await withHistory();
      await sm.prune(3);
      const err = await executionError(() => sm.rollbackTo(2));
      expect(err.code).toBe('state.rollback-unavailable');
      expect(err.height).toBe(2);
      expect(sm.height()).toBe(8);
      await expect(sm.rollbackTo(9)).rejects.toBeInstanceOf(InvalidArgumentError);
      await sm.rollbackTo(3); // the pruned height itself is still reachable
      expect(hex(sm.root())).toBe(hex(roots[3]!));
      // Pruning at or below the floor changes nothing; above the height it stops at the height.
      await sm.prune(1);
      await sm.prune(100);
      expect((await executionError(() => sm.rollbackTo(2))).code).toBe('state.rollback-unavailable');
      await sm.applyBlocks([block(4, [put('after', 'prune')])], 'each');
      await sm.rollbackTo(3);
      expect(hex(sm.root())).toBe(hex(roots[3]!));
      await sm.close();
    });
  });

  it('refuses every change once closed', async () => {
    const sm = await factory.open();
    await sm.close();
    await sm.close();
    expect((await executionError(() => sm.applyBlocks([block(1, [])], 'each'))).code).toBe('state.closed');
    expect((await executionError(() => sm.rollbackTo(0))).code).toBe('state.closed');
    expect(() => sm.get(key('a'))).toThrow(StateExecutionError);
  });

  it('refuses depths outside 4..24', async () => {
    await expect(factory.open(3)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(factory.open(25)).rejects.toBeInstanceOf(InvalidArgumentError);
    const small = await factory.open(4);
    await small.applyBlocks([block(1, contentTxs(3, 100))], 'each');
    expect(small.stats().depth).toBe(4);
    expect(small.snapshotFormat).toBe(0x0104);
    await small.close();
  });
});

describe('MerkleKvStateMachine on LMDB across restarts', () => {
  it('reopens at the same height, root, values and undo history', async () => {
    const path = tempDir();
    const sm = await openLmdbStateMachine({ path });
    const roots = await sm.applyBlocks(
      [block(1, contentTxs(11, 150)), block(2, [put('x', 'y'), del('k/1')]), block(3, [put('x', 'z')])],
      'each',
    );
    await sm.prune(1);
    await sm.close();

    const reopened = await openLmdbStateMachine({ path });
    expect(reopened.height()).toBe(3);
    expect(hex(reopened.root())).toBe(hex(roots[2]!));
    expect(text(reopened.get(key('x')))).toBe('z');
    expect(reopened.stats()).toEqual(sm.stats());
    await reopened.rollbackTo(2);
    expect(hex(reopened.root())).toBe(hex(roots[1]!));
    expect((await executionError(() => reopened.rollbackTo(0))).code).toBe('state.rollback-unavailable');
    await reopened.close();

    const again = await openLmdbStateMachine({ path });
    expect(again.height()).toBe(2);
    expect(text(again.get(key('x')))).toBe('y');
    await again.close();
    await expect(openLmdbStateMachine({ path, depth: 12 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('keeps nothing of a failed call on disk', async () => {
    const path = tempDir();
    const sm = await openLmdbStateMachine({ path });
    await sm.applyBlocks([block(1, [put('a', encodeBalance(1n)), put('keep', 'original')])], 'each');
    const root = sm.root();
    const err = await executionError(() =>
      sm.applyBlocks(
        [block(2, contentTxs(4, 300)), block(3, [put('keep', 'changed'), transfer('a', 'b', 2n)])],
        'last',
      ),
    );
    expect(err.code).toBe('state.execution-failed');
    expect(err.height).toBe(3);
    await sm.close();
    const reopened = await openLmdbStateMachine({ path });
    expect(reopened.height()).toBe(1);
    expect(reopened.root()).toEqual(root);
    expect(text(reopened.get(key('keep')))).toBe('original');
    expect(reopened.get(key('k/1'))).toBeUndefined();
    expect(reopened.stats().entries).toBe(2);
    await reopened.close();
  });
});
