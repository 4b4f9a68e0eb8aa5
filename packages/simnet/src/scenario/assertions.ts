import { bytesEqual, type PeerId } from '@hotsync/core';
import { SimnetError } from '../errors.js';
import type { RunNode, ScenarioResult } from './runner.js';

function fail(result: ScenarioResult, message: string): never {
  throw new SimnetError('simnet.assertion', message, { seed: result.seed });
}

function syncingNodes(result: ScenarioResult, ids: readonly PeerId[] | undefined): RunNode[] {
  return ids ? ids.map((id) => result.node(id)) : result.nodes.filter((n) => n.spec.role === 'sync');
}

/** Every syncing node (or those named) ended at its chain's honest tip. */
export function expectSyncedToHonestTip(result: ScenarioResult, nodes?: readonly PeerId[]): void {
  for (const node of syncingNodes(result, nodes)) {
    const report = result.report.nodes[node.id]!;
    if (!report.atChainTip) {
      fail(
        result,
        `${node.id} ended at height ${report.tip?.height ?? 'none'}, the honest tip is ${node.chain.tip.height} (run ended by ${result.report.endedBy} at ${result.report.virtualTimeMs} ms)`,
      );
    }
  }
}

/** Every block a syncing node (or those named) stored is the honest chain's block at that height, byte for byte. */
export function expectNoInvalidBlockStored(result: ScenarioResult, nodes?: readonly PeerId[]): void {
  for (const node of syncingNodes(result, nodes)) {
    const tip = node.store.tip();
    if (!tip) continue;
    for (const block of node.store.iterateBlocks(0, tip.height)) {
      const honest = node.chain.blockBytes(block.height);
      if (!honest || !bytesEqual(honest, block.bytes)) {
        fail(result, `${node.id} stored a block at height ${block.height} that is not the honest chain's`);
      }
    }
  }
}

/** Each of `peers` was banned (by `by`, or by any node). */
export function expectBanned(
  result: ScenarioResult,
  peers: readonly PeerId[],
  options: { readonly by?: PeerId } = {},
): void {
  const bans = result.report.bans.filter((b) => options.by === undefined || b.node === options.by);
  for (const peer of peers) {
    if (!bans.some((b) => b.peer === peer)) {
      fail(
        result,
        `${peer} was not banned${options.by ? ` by ${options.by}` : ''}; bans: ${describe(bans.map((b) => b.peer))}`,
      );
    }
  }
}

/** No peer outside `peers` was penalized or banned (by `by`, or by any node). */
export function expectOnlyPenalized(
  result: ScenarioResult,
  peers: readonly PeerId[],
  options: { readonly by?: PeerId } = {},
): void {
  const allowed = new Set(peers);
  const mine = <T extends { readonly node: PeerId }>(records: readonly T[]) =>
    records.filter((r) => options.by === undefined || r.node === options.by);
  const offenders = [
    ...mine(result.report.penalties).map((p) => p.peer),
    ...mine(result.report.bans).map((b) => b.peer),
  ].filter((p) => !allowed.has(p));
  if (offenders.length > 0) {
    fail(result, `peers penalized outside ${describe(peers)}: ${describe(offenders)}`);
  }
}

/** No sync node failed and no handler threw. */
export function expectNoErrors(result: ScenarioResult): void {
  if (result.report.errors.length > 0) {
    fail(
      result,
      `errors during the run: ${result.report.errors.map((e) => `${e.node}: ${e.message}`).join('; ')}`,
    );
  }
}

function describe(peers: readonly PeerId[]): string {
  return peers.length === 0 ? 'none' : [...new Set(peers)].join(', ');
}
