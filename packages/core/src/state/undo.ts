import { ByteReader, ByteWriter } from '../encoding/bytes.js';
import { DecodeError, StoreError } from '../errors.js';
import { MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES } from './tx-codec.js';

/** A key's value before a block changed it (`undefined`: the key did not exist). */
export interface UndoEntry {
  readonly key: Uint8Array;
  readonly previous: Uint8Array | undefined;
}

/** `u32 count`, then per entry `bytes key ‖ u8 present ‖ [bytes value]`. */
export function encodeUndoRecord(entries: readonly UndoEntry[]): Uint8Array {
  let size = 4;
  for (const e of entries) size += 9 + e.key.length + (e.previous ? 4 + e.previous.length : 0);
  const w = new ByteWriter(size).u32(entries.length);
  for (const e of entries) {
    w.bytes(e.key);
    if (e.previous) w.u8(1).bytes(e.previous);
    else w.u8(0);
  }
  return w.finish();
}

export function decodeUndoRecord(bytes: Uint8Array, height: number): UndoEntry[] {
  try {
    const r = new ByteReader(bytes);
    const count = r.u32('undo.count');
    const out: UndoEntry[] = [];
    for (let i = 0; i < count; i++) {
      const key = r.bytes(MAX_STATE_KEY_BYTES, 'undo.key');
      const present = r.u8('undo.present');
      out.push({ key, previous: present === 1 ? r.bytes(MAX_STATE_VALUE_BYTES, 'undo.value') : undefined });
    }
    r.end('undo record');
    return out;
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new StoreError('store.corrupt', `unreadable undo record of height ${height}: ${err.message}`, {
        height,
      });
    }
    throw err;
  }
}
