import type { ConnectionGater } from '@libp2p/interface';

/**
 * A connection gater that cuts this node off from everyone while `isolated`: no dial goes
 * out, no connection comes in (refused at the first point libp2p asks). With the node's
 * open connections closed, that is a network partition as the other nodes see it.
 */
export class PartitionSwitch {
  private cut = false;

  get isolated(): boolean {
    return this.cut;
  }

  isolate(): void {
    this.cut = true;
  }

  heal(): void {
    this.cut = false;
  }

  gater(): ConnectionGater {
    return {
      denyDialPeer: () => this.cut,
      denyDialMultiaddr: () => this.cut,
      denyInboundConnection: () => this.cut,
      denyOutboundConnection: () => this.cut,
      denyInboundEncryptedConnection: () => this.cut,
      denyOutboundEncryptedConnection: () => this.cut,
    };
  }
}
