import type { Clock, PeerId, Random } from '@hotsync/core';
import { SimnetError } from '../errors.js';
import { SharedChannel, type Transfer } from './shared-channel.js';

/**
 * One-way delay of a message: `baseMs` plus seeded jitter, uniform in [0, jitterMs] or
 * exponential with mean jitterMs (a long tail). A number is a fixed delay.
 */
export type LatencySpec =
  | number
  | { readonly baseMs: number; readonly jitterMs?: number; readonly jitter?: 'uniform' | 'exponential' };

export interface LinkSpec {
  readonly latency: LatencySpec;
  /** Bytes per second in each direction, shared by the transfers in flight (Infinity: no limit). */
  readonly bandwidthBytesPerSec: number;
  /** Probability that a message (request or response) is lost: it never arrives. */
  readonly loss: number;
}

export const DEFAULT_LINK: LinkSpec = Object.freeze({
  latency: { baseMs: 20, jitterMs: 10 },
  bandwidthBytesPerSec: 12_500_000, // 100 Mbit/s
  loss: 0,
});

export function resolveLink(spec: Partial<LinkSpec> = {}, base: LinkSpec = DEFAULT_LINK): LinkSpec {
  const link = { ...base, ...spec };
  const latency = typeof link.latency === 'number' ? { baseMs: link.latency } : link.latency;
  const jitter = latency.jitterMs ?? 0;
  if (!(latency.baseMs >= 0) || !(jitter >= 0) || !Number.isFinite(latency.baseMs + jitter)) {
    throw new SimnetError(
      'simnet.invalid-option',
      `latency must be finite and >= 0, got ${JSON.stringify(link.latency)}`,
    );
  }
  if (!(link.bandwidthBytesPerSec > 0)) {
    throw new SimnetError(
      'simnet.invalid-option',
      `bandwidth must be > 0 bytes/s, got ${link.bandwidthBytesPerSec}`,
    );
  }
  if (!(link.loss >= 0 && link.loss <= 1)) {
    throw new SimnetError('simnet.invalid-option', `loss must be a probability, got ${link.loss}`);
  }
  return link;
}

/** A latency draw in whole milliseconds (virtual time moves in whole milliseconds). */
export function sampleLatency(spec: LatencySpec, random: Random): number {
  if (typeof spec === 'number') return Math.round(spec);
  const jitterMs = spec.jitterMs ?? 0;
  if (jitterMs === 0) return Math.round(spec.baseMs);
  const jitter =
    spec.jitter === 'exponential' ? -Math.log(1 - random.float()) * jitterMs : random.float() * jitterMs;
  return Math.round(spec.baseMs + jitter);
}

/** How a message fared: it arrives, or it is lost on the way. */
export interface SendCallbacks {
  /** The first byte arrived (the message is being received). */
  readonly onFirstByte?: () => void;
  /** The last byte arrived. */
  readonly onArrive: () => void;
}

export interface SentMessage {
  readonly lost: boolean;
  /** Stops the transfer (frees bandwidth) and cancels its pending arrival. */
  cancel(): void;
}

/**
 * The link between two nodes: one SharedChannel per direction and its own random stream,
 * so latency and loss draws on one link do not depend on traffic elsewhere.
 */
export class Link {
  private spec: LinkSpec;
  private readonly channels = new Map<PeerId, SharedChannel>();

  constructor(
    readonly a: PeerId,
    readonly b: PeerId,
    spec: LinkSpec,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {
    this.spec = spec;
    this.channels.set(a, new SharedChannel(clock, spec.bandwidthBytesPerSec));
    this.channels.set(b, new SharedChannel(clock, spec.bandwidthBytesPerSec));
  }

  get conditions(): LinkSpec {
    return this.spec;
  }

  /** New conditions; transfers already in flight keep the bandwidth they started with. */
  update(spec: LinkSpec): void {
    this.spec = spec;
    if (spec.bandwidthBytesPerSec !== this.channels.get(this.a)!.bytesPerSec) {
      this.channels.set(this.a, new SharedChannel(this.clock, spec.bandwidthBytesPerSec));
      this.channels.set(this.b, new SharedChannel(this.clock, spec.bandwidthBytesPerSec));
    }
  }

  /** One latency draw (for handshakes). */
  latency(): number {
    return sampleLatency(this.spec.latency, this.random);
  }

  /**
   * Sends `bytes` from `from` across the link: the first byte arrives one latency after the
   * send, the last one latency after the sender's channel finished it. A lost message still
   * uses the sender's bandwidth but never arrives.
   */
  send(from: PeerId, bytes: number, callbacks: SendCallbacks): SentMessage {
    const channel = this.channels.get(from);
    if (!channel)
      throw new SimnetError('simnet.unknown-node', `${from} is not an end of link ${this.a}-${this.b}`);
    const latency = sampleLatency(this.spec.latency, this.random);
    const lost = this.spec.loss > 0 && this.random.float() < this.spec.loss;
    let transfer: Transfer | undefined;
    let firstByte: { cancel(): void } | undefined;
    let arrival: { cancel(): void } | undefined;
    if (!lost && callbacks.onFirstByte) firstByte = this.clock.setTimeout(callbacks.onFirstByte, latency);
    transfer = channel.start(bytes, () => {
      transfer = undefined;
      if (!lost) arrival = this.clock.setTimeout(callbacks.onArrive, latency);
    });
    return {
      lost,
      cancel: () => {
        transfer?.cancel();
        firstByte?.cancel();
        arrival?.cancel();
      },
    };
  }
}
