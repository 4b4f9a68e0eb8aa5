import { SimnetError } from '../errors.js';
import type { ScenarioSpec } from './types.js';

/** Refuses a scenario that names unknown nodes or chains, or times that are not times. */
export function checkSpec(spec: ScenarioSpec): void {
  const fail = (message: string) => {
    throw new SimnetError('simnet.invalid-option', message, { seed: spec.seed });
  };
  if (spec.nodes.length === 0) fail('a scenario needs at least one node');
  const ids = new Set<string>();
  for (const node of spec.nodes) {
    if (ids.has(node.id)) fail(`node ${node.id} is declared twice`);
    ids.add(node.id);
    if (!spec.chains[node.chain]) fail(`node ${node.id} names unknown chain "${node.chain}"`);
    if (node.role === 'sync' && node.startAtMs !== undefined && !(node.startAtMs >= 0)) {
      fail(`node ${node.id}: startAtMs must be >= 0`);
    }
  }
  const known = (id: string, where: string) => {
    if (!ids.has(id)) fail(`${where} names unknown node ${id}`);
  };
  for (const pair of spec.links?.pairs ?? []) {
    known(pair.a, 'a link');
    known(pair.b, 'a link');
  }
  for (const fault of spec.faults ?? []) {
    if (!(fault.atMs >= 0)) fail(`a ${fault.kind} fault needs atMs >= 0`);
    switch (fault.kind) {
      case 'partition':
        for (const group of fault.groups) for (const id of group) known(id, 'a partition');
        break;
      case 'leave':
      case 'join':
      case 'behaviours':
        known(fault.node, `a ${fault.kind} fault`);
        break;
      case 'link':
        known(fault.a, 'a link fault');
        known(fault.b, 'a link fault');
        break;
      case 'heal':
        break;
    }
  }
  if (!(spec.until.deadlineMs > 0)) fail('until.deadlineMs must be > 0');
}
