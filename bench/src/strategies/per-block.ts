import {
  type CommitProof,
  type PeerId,
  RequestError,
  type StrategyPlan,
  type StrategyResult,
  type SyncContext,
  type SyncStrategy,
  type SyncTarget,
  throwIfAborted,
} from '@hotsync/core';
import { enterBlockPhase, provableEndByTail } from '@hotsync/strategies';
import type { SectionClock } from '../instrument/section-clock.js';
import { Notifier } from './notifier.js';

export interface PerBlockOptions {
  /** Heights requested or held ahead of the tip at most (CometBFT's `maxTotalRequesters`: 600). */
  readonly lookahead?: number;
  /** Failed requests of one height before the run gives up. */
  readonly maxAttempts?: number;
  /** Where the scheduling work is charged (the bench's coordination figure). */
  readonly clock?: SectionClock;
}

export const PER_BLOCK_STRATEGY = 'baseline-per-block';

/** Consecutive arrived blocks looked at for a provable end (the tail two-chain needs two after). */
const MAX_RUN = 8;

interface Arrived {
  readonly bytes: Uint8Array;
  readonly peer: PeerId;
}

/**
 * Baseline: CometBFT blocksync style. Every height is its own request (one block), many in
 * flight to all peers at once (up to `peers.maxRequestsPerPeer` each, as CometBFT's 20
 * pending requests per peer), at most `lookahead` heights ahead. Blocks are then verified,
 * executed and stored one at a time in height order, each with its own commit proof: the
 * two blocks after it (CometBFT verifies block h with h+1's LastCommit; in HotStuff-2 the
 * commit of h needs the QCs in h+1 and h+2). A block after a view gap is verified together
 * with the next block that has a two-chain. Every block is one request, one verification,
 * one state-root computation and one store transaction: the costs hotsync's ranges amortize.
 */
export function perBlockStrategy(options: PerBlockOptions = {}): SyncStrategy {
  const lookahead = options.lookahead ?? 600;
  const maxAttempts = options.maxAttempts ?? 10;
  return {
    name: PER_BLOCK_STRATEGY,
    plan(ctx: SyncContext, target: SyncTarget): StrategyPlan {
      const blocks = Math.max(0, target.height - ctx.trusted().height);
      return {
        strategy: PER_BLOCK_STRATEGY,
        phases: ['downloading-blocks'],
        blocks,
        reason: `${blocks} blocks, one request each, up to ${lookahead} ahead`,
      };
    },
    async run(ctx: SyncContext, target: SyncTarget, signal: AbortSignal): Promise<StrategyResult> {
      enterBlockPhase(ctx, target, 'one request per block, many in flight', 'downloading-blocks');
      const charge = <T>(fn: () => T): T => (options.clock ? options.clock.run('coordination', fn) : fn());
      const arrived = new Map<number, Arrived>();
      const retries: number[] = [];
      const attempts = new Map<number, number>();
      const failedBy = new Map<number, Set<PeerId>>();
      const notifier = new Notifier(ctx.clock);
      const requests = new AbortController();
      const onAbort = () => requests.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const pending = new Set<Promise<void>>();
      let next = ctx.trusted().height + 1;
      let gaveUp: string | undefined;
      // Not a request failure (a bug, or the store failing): ends the run with that error.
      let fatal: { readonly error: unknown } | undefined;

      const pick = (height: number): PeerId | undefined => {
        const exclude = failedBy.get(height) ?? new Set<PeerId>();
        for (const peer of ctx.peers.selectPeers({
          minHeight: height,
          fromHeight: height,
          count: 4,
          exclude,
        })) {
          if (ctx.peers.acquire(peer)) return peer;
        }
        return undefined;
      };

      const failed = (height: number, peer: PeerId): void => {
        const n = (attempts.get(height) ?? 0) + 1;
        attempts.set(height, n);
        if (n >= maxAttempts) gaveUp = `block ${height} failed ${n} times`;
        const peers = failedBy.get(height) ?? new Set<PeerId>();
        peers.add(peer);
        failedBy.set(height, peers);
        retries.push(height);
      };

      const request = (height: number, peer: PeerId): void => {
        const started = ctx.clock.now();
        const task = ctx.network
          .blocksByRange(peer, { startHeight: height, count: 1 }, requests.signal)
          .then(
            (blocks) =>
              charge(() => {
                const bytes = blocks[0];
                if (blocks.length === 1 && bytes) {
                  arrived.set(height, { bytes, peer });
                  ctx.report(peer, {
                    kind: 'success',
                    latencyMs: ctx.clock.now() - started,
                    bytes: bytes.length,
                    items: 1,
                  });
                } else {
                  ctx.report(peer, { kind: 'failure', failure: 'unavailable' });
                  failed(height, peer);
                }
              }),
            (err: unknown) => {
              if (!(err instanceof RequestError)) {
                fatal ??= { error: err };
                return;
              }
              if (requests.signal.aborted) return;
              charge(() => {
                ctx.report(peer, {
                  kind: 'failure',
                  failure: err.kind,
                  ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
                });
                failed(height, peer);
              });
            },
          )
          .finally(() => {
            ctx.peers.release(peer);
            pending.delete(task);
            notifier.notify();
            if (!requests.signal.aborted) schedule();
          });
        pending.add(task);
      };

      // Keeps every peer's request slots full, lowest heights first, within the look-ahead.
      const schedule = (): void =>
        charge(() => {
          const limit = Math.min(target.height, ctx.trusted().height + lookahead);
          for (;;) {
            const retry = retries.length > 0;
            const height = retry ? retries[0]! : next <= limit ? next : undefined;
            if (height === undefined) return;
            const peer = pick(height);
            if (!peer) return;
            if (retry) retries.shift();
            else next++;
            request(height, peer);
          }
        });

      // The lowest blocks that arrived, verified and stored as soon as their end is provable.
      const processNext = async (): Promise<boolean> => {
        const from = ctx.trusted().height + 1;
        const run = charge(() => {
          const out: Arrived[] = [];
          for (let h = from; h <= target.height && out.length < MAX_RUN; h++) {
            const a = arrived.get(h);
            if (!a) break;
            out.push(a);
          }
          return out;
        });
        if (run.length === 0) return false;
        const bytes = run.map((a) => a.bytes);
        const byTail = provableEndByTail(ctx.chain, {
          blocks: bytes,
          from,
          to: from,
          maxEnd: target.height,
          maxExtend: run.length,
        });
        let end: number;
        let proof: { proof: CommitProof; peer: PeerId };
        if (byTail) {
          end = byTail.end;
          // The grandchild carries the QC that completes the two-chain.
          proof = { proof: byTail.proof, peer: run[byTail.end + 2]!.peer };
        } else if (from + run.length - 1 === target.height) {
          // The last blocks have no successors: the target's own proof (its height was proven).
          end = run.length - 1;
          const peer = run[end]!.peer;
          proof = { proof: await ctx.network.commitProof(peer, target.height, signal), peer };
        } else {
          if (run.length === MAX_RUN) gaveUp = `no provable end in ${MAX_RUN} blocks from ${from}`;
          return false;
        }
        const blocks = run.slice(0, end + 1);
        const verified = await ctx.verifier.verifyRange(
          {
            trusted: ctx.trusted(),
            blocks: blocks.map((a) => ({ bytes: a.bytes, peer: a.peer })),
            commitProof: proof,
            mode: ctx.config.performance.verificationMode,
          },
          signal,
        );
        const stored = verified.ok ? await ctx.commit(verified.value) : verified;
        if (!stored.ok) {
          const f = stored.failure;
          const culprit = f.peer ?? blocks[0]!.peer;
          ctx.report(culprit, {
            kind: 'invalid-data',
            check: f.check,
            ...(f.height !== undefined && { height: f.height }),
          });
          // Everything from the failing block is fetched again, from someone else.
          charge(() => {
            for (let h = from; h < from + blocks.length; h++) {
              arrived.delete(h);
              failed(h, culprit);
            }
          });
          return true;
        }
        charge(() => {
          for (let h = from; h < from + blocks.length; h++) {
            arrived.delete(h);
            attempts.delete(h);
            failedBy.delete(h);
          }
        });
        ctx.progress.advance(blocks.length);
        return true;
      };

      try {
        while (ctx.trusted().height < target.height) {
          throwIfAborted(signal);
          if (fatal) throw fatal.error;
          if (gaveUp) return { kind: 'incomplete', height: ctx.trusted().height, reason: gaveUp };
          schedule();
          if (!(await processNext())) await notifier.wait(200, signal);
        }
        return { kind: 'reached', height: ctx.trusted().height };
      } finally {
        signal.removeEventListener('abort', onAbort);
        requests.abort();
        await Promise.allSettled([...pending]);
      }
    },
  };
}
