import type { VoteGuard } from '@hotsync/consensus-adapter';
import {
  type ChainStore,
  type Clock,
  type CodecLimits,
  DEFAULT_CODEC_LIMITS,
  type Logger,
  type PublicKey,
  type Random,
  type SigningKey,
  type StateMachine,
  silentLogger,
  systemClock,
  systemRandom,
} from '@hotsync/core';
import { createNodeBackend, type SignatureBackend } from '@hotsync/validation';
import { EngineError } from './errors.js';
import { DEFAULT_TIMING, type PacemakerTiming } from './pacemaker.js';
import { MemoryPendingBlockStore, type PendingBlockStore } from './pending-store.js';
import { type ConsensusTransport, type NodeId, validatorNodeId } from './transport.js';
import { noTransactions, type TransactionSource } from './tx-source.js';

export interface HotStuff2EngineOptions {
  readonly chainId: Uint8Array;
  /** Committed blocks go here (initialized: a trust anchor, a generated history, a synced chain); the same store hotsync syncs into. */
  readonly store: ChainStore;
  /** At the store's tip (or behind it: stored blocks are replayed at start). */
  readonly stateMachine: StateMachine;
  readonly transport: ConsensusTransport;
  /** This validator's key. Without one, or with a key outside the set, the engine follows (commits) without voting. */
  readonly key?: SigningKey;
  /** Required with `key`: the adapter's VoteGuard over the validator's safety store (`LmdbSafetyStore` in production). */
  readonly voteGuard?: VoteGuard;
  /** Uncommitted blocks voted for, kept across restarts (default: in memory). */
  readonly pendingBlocks?: PendingBlockStore;
  /** What this node's proposals carry (default: empty blocks). */
  readonly transactions?: TransactionSource;
  readonly clock?: Clock;
  /** Timer jitter (default: node:crypto randomness). */
  readonly random?: Random;
  readonly logger?: Logger;
  readonly timing?: Partial<PacemakerTiming>;
  /** Block interval: wait between being ready to propose and proposing (default 100 ms). */
  readonly proposeDelayMs?: number;
  /** A block asked for and not received is asked again after this (default 500 ms). */
  readonly fetchRetryMs?: number;
  /** Most blocks per block-request (default 64); a node further behind syncs through hotsync. */
  readonly maxFetchBlocks?: number;
  /** How far ahead of the local clock a timestamp may be (default 30 s, the sync verifier's). */
  readonly maxClockDriftMs?: number;
  /** Transport id of a validator (default: its public key in hex). */
  readonly nodeIdOf?: (publicKey: PublicKey) => NodeId;
  /** Ed25519 backend (default: @hotsync/validation's node:crypto backend). */
  readonly signatureBackend?: SignatureBackend;
  readonly limits?: CodecLimits;
  /** Aborting stops the engine. */
  readonly signal?: AbortSignal;
}

export interface ResolvedOptions {
  readonly chainId: Uint8Array;
  readonly store: ChainStore;
  readonly stateMachine: StateMachine;
  readonly transport: ConsensusTransport;
  readonly key: SigningKey | undefined;
  readonly voteGuard: VoteGuard | undefined;
  readonly pendingBlocks: PendingBlockStore;
  readonly transactions: TransactionSource;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly timing: PacemakerTiming;
  readonly proposeDelayMs: number;
  readonly fetchRetryMs: number;
  readonly maxFetchBlocks: number;
  readonly maxClockDriftMs: number;
  readonly nodeIdOf: (publicKey: PublicKey) => NodeId;
  readonly signatureBackend: SignatureBackend;
  readonly limits: CodecLimits;
  readonly signal: AbortSignal | undefined;
}

function nonNegative(name: string, value: number, integer = true): number {
  if (!(value >= 0) || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    throw new EngineError(
      'engine.invalid-option',
      `${name} must be a ${integer ? 'safe integer' : 'number'} >= 0, got ${value}`,
    );
  }
  return value;
}

export function resolveOptions(o: HotStuff2EngineOptions): ResolvedOptions {
  if (o.chainId.length !== 32) throw new EngineError('engine.invalid-option', 'chainId must be 32 bytes');
  if (o.key && !o.voteGuard) {
    throw new EngineError(
      'engine.invalid-option',
      'a validator (key given) needs a voteGuard: votes must be persisted',
    );
  }
  const timing: PacemakerTiming = { ...DEFAULT_TIMING, ...o.timing };
  nonNegative('timing.baseTimeoutMs', timing.baseTimeoutMs);
  nonNegative('timing.maxTimeoutMs', timing.maxTimeoutMs);
  nonNegative('timing.jitter', timing.jitter, false);
  if (timing.baseTimeoutMs === 0 || timing.maxTimeoutMs < timing.baseTimeoutMs || !(timing.backoff >= 1)) {
    throw new EngineError(
      'engine.invalid-option',
      'timing: baseTimeoutMs > 0, maxTimeoutMs >= baseTimeoutMs, backoff >= 1',
    );
  }
  const maxFetchBlocks = nonNegative('maxFetchBlocks', o.maxFetchBlocks ?? 64);
  if (maxFetchBlocks === 0 || maxFetchBlocks > 256) {
    throw new EngineError('engine.invalid-option', 'maxFetchBlocks must be in 1..256');
  }
  return {
    chainId: o.chainId,
    store: o.store,
    stateMachine: o.stateMachine,
    transport: o.transport,
    key: o.key,
    voteGuard: o.voteGuard,
    pendingBlocks: o.pendingBlocks ?? new MemoryPendingBlockStore(),
    transactions: o.transactions ?? noTransactions,
    clock: o.clock ?? systemClock,
    random: o.random ?? systemRandom,
    logger: o.logger ?? silentLogger,
    timing,
    proposeDelayMs: nonNegative('proposeDelayMs', o.proposeDelayMs ?? 100),
    fetchRetryMs: nonNegative('fetchRetryMs', o.fetchRetryMs ?? 500),
    maxFetchBlocks,
    maxClockDriftMs: nonNegative('maxClockDriftMs', o.maxClockDriftMs ?? 30_000),
    nodeIdOf: o.nodeIdOf ?? validatorNodeId,
    signatureBackend: o.signatureBackend ?? createNodeBackend(),
    limits: o.limits ?? DEFAULT_CODEC_LIMITS,
    signal: o.signal,
  };
}
