import type { Block, CommitProof, Hash, QuorumCertificate } from '@hotsync/core';
import type { MessageType } from './messages.js';
import type { ViewChangeReason } from './pacemaker.js';
import type { NodeId } from './transport.js';

/** What an engine reports (core's TypedEmitter: `engine.on('committed', ...)`). */
export interface EngineEvents {
  view: { readonly view: number; readonly reason: ViewChangeReason };
  timeout: { readonly view: number; readonly nextTimeoutMs: number };
  proposed: { readonly view: number; readonly height: number; readonly hash: Hash };
  voted: { readonly view: number; readonly height: number; readonly hash: Hash };
  /** A new highest QC (formed here or received). */
  qc: { readonly qc: QuorumCertificate };
  /** Blocks committed by consensus (parents first) and the two-chain proof of the last. */
  committed: { readonly blocks: readonly Block[]; readonly proof: CommitProof };
  /** Blocks handed over by sync (`deliverCommitted`). */
  delivered: { readonly fromHeight: number; readonly toHeight: number };
  /** A message refused, and why (a peer's fault or a stale message, never ours). */
  rejected: { readonly from: NodeId; readonly type: MessageType | 'undecodable'; readonly reason: string };
  paused: { readonly reason: string };
  resumed: { readonly fromHeight: number; readonly view: number };
  error: { readonly error: unknown };
}
