import { ManualClock, type PeerStatus, parseSyncConfig, SeededRandom } from '@hotsync/core';
import { describe, expect, it } from 'vitest';
import type { PeersEvent } from './events.js';
import { createPeerManager } from './peer-manager.js';

const status = (height: number): PeerStatus => ({
  height,
  view: height + 1,
  epoch: 0,
  blockHash: new Uint8Array(32),
  earliestHeight: 0,
});

function setup() {
  const clock = new ManualClock(0);
  const pm = createPeerManager({ config: parseSyncConfig({}), clock, random: new SeededRandom(3) });
  const events: PeersEvent[] = [];
  pm.onPeersEvent((e) => events.push(e));
  return { clock, pm, events };
}

/** Six honest peers around height 10,000 with proofs; four liars claiming ~1e12 without. */
function tenPeers() {
  const s = setup();
  const honest = [9_990, 9_995, 10_000, 10_002, 10_004, 10_010];
  honest.forEach((h, i) => {
    s.pm.addPeer(`honest-${i}`);
    s.pm.updateStatus(`honest-${i}`, status(h), h);
  });
  for (let i = 0; i < 4; i++) {
    s.pm.addPeer(`liar-${i}`);
    s.pm.updateStatus(`liar-${i}`, status(1_000_000_000_000 + i));
  }
  return s;
}

describe('network height', () => {
  it('stays at the highest proven height with 4 of 10 peers lying wildly high', () => {
    const { pm } = tenPeers();
    expect(pm.networkHeight()).toMatchObject({
      height: 10_010,
      basis: 6,
      proven: true,
      maxProvenHeight: 10_010,
    });
    // Proofs exist, so allowing claims changes nothing; and even the median of all claims
    // stays on an honest value, because the liars are a minority.
    const claims = pm.networkHeight({ allowUnproven: true });
    expect(claims).toMatchObject({ height: 10_010, proven: true, claimedMedian: 10_004, claimants: 10 });
  });

  it('cannot be raised by a claim alone when proofs are required', () => {
    const { pm } = tenPeers();
    for (let i = 0; i < 6; i++) pm.updateStatus(`honest-${i}`, status(5_000_000_000));
    // Every peer now claims far more; the proven height cannot move (claims cap servable
    // height, not what was proven).
    expect(pm.networkHeight().height).toBe(10_010);
    // A verified proof (a quorum certificate, unforgeable by Byzantine peers) does raise it,
    // to exactly the proven height.
    pm.updateStatus('honest-0', status(5_000_000_000), 20_000);
    expect(pm.networkHeight().height).toBe(20_000);
  });

  it('ignores banned and removed peers', () => {
    const { pm } = tenPeers();
    pm.recordOutcome('honest-5', { kind: 'invalid-data', check: 'qc.signature' });
    pm.removePeer('honest-4');
    expect(pm.networkHeight()).toMatchObject({ height: 10_002, basis: 4 });
  });

  it('uses claims only when asked and no proof exists yet, flagged unproven', () => {
    const { pm } = setup();
    pm.addPeer('a');
    pm.updateStatus('a', status(700));
    pm.addPeer('b');
    pm.updateStatus('b', status(900));
    expect(pm.networkHeight()).toMatchObject({ height: undefined, basis: 0 });
    expect(pm.networkHeight({ allowUnproven: true })).toMatchObject({ height: 700, proven: false, basis: 2 });
  });

  it('flags being ahead of the network as a possible fork or partition, once per change', () => {
    const { pm, events } = tenPeers();
    expect(pm.assessNetwork(9_010).position).toEqual({ kind: 'behind', blocks: 1_000 });
    expect(pm.assessNetwork(10_011).position).toEqual({ kind: 'in-sync', blocks: 1 });
    const ahead = pm.assessNetwork(10_510);
    expect(ahead.position).toEqual({ kind: 'ahead', blocks: 500, suspicion: 'fork-or-partition' });
    pm.assessNetwork(10_610);
    const positions = events.filter((e) => e.type === 'position');
    expect(positions.map((e) => e.type === 'position' && e.position.kind)).toEqual([
      'behind',
      'in-sync',
      'ahead',
    ]);
  });
});
