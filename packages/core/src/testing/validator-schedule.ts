import { deriveSigningKey, type SigningKey } from '../chain/signing.js';
import type { ValidatorSet } from '../chain/types.js';
import { makeValidatorSet } from '../chain/validator-set.js';
import { ByteWriter } from '../encoding/bytes.js';
import { taggedHash } from '../hashing.js';

/**
 * Which validators sign in which epoch of a generated chain: epoch e uses key indices
 * [e·rotate, e·rotate + n), so each epoch change replaces `rotate` validators. Keys and
 * voting powers are derived from the seed alone, so anyone with the options can re-derive
 * them (tests, simnet's Byzantine peers, examples).
 */
export class ValidatorSchedule {
  private readonly sets = new Map<number, { set: ValidatorSet; keys: SigningKey[] }>();
  private readonly keyCache = new Map<number, SigningKey>();

  constructor(
    readonly seed: number,
    readonly validators: number,
    readonly rotatePerEpoch: number,
    readonly votingPower: 'equal' | 'unequal',
  ) {}

  /** The key of validator number `index` (global across epochs). */
  key(index: number): SigningKey {
    let key = this.keyCache.get(index);
    if (!key) {
      key = deriveSigningKey(`hotsync-generator/${this.seed}`, index);
      this.keyCache.set(index, key);
    }
    return key;
  }

  private power(index: number): bigint {
    if (this.votingPower === 'equal') return 1n;
    const h = taggedHash('hs2/test-power/v1', new ByteWriter(12).u64(this.seed).u32(index).finish());
    return 1n + BigInt(((h[0]! << 8) | h[1]!) % 100);
  }

  /** The validator set of `epoch`. */
  set(epoch: number): ValidatorSet {
    return this.entry(epoch).set;
  }

  /** Signing keys of `epoch`, in the set's canonical order. */
  keys(epoch: number): SigningKey[] {
    return this.entry(epoch).keys;
  }

  private entry(epoch: number): { set: ValidatorSet; keys: SigningKey[] } {
    let entry = this.sets.get(epoch);
    if (!entry) {
      const first = epoch * this.rotatePerEpoch;
      const indices = Array.from({ length: this.validators }, (_, i) => first + i);
      const set = makeValidatorSet(
        epoch,
        indices.map((i) => ({ publicKey: this.key(i).publicKey, votingPower: this.power(i) })),
      );
      const byKey = new Map(
        indices.map((i) => [Buffer.from(this.key(i).publicKey).toString('hex'), this.key(i)]),
      );
      const keys = set.validators.map((v) => byKey.get(Buffer.from(v.publicKey).toString('hex'))!);
      entry = { set, keys };
      this.sets.set(epoch, entry);
    }
    return entry;
  }
}
