import { describe, expect, it } from 'vitest';
import { QcLedger } from './qc-signers.js';

describe('QcLedger', () => {
  it('counts the QCs a validator signed that certify blocks above a height, merged from overlapping reports', () => {
    const ledger = new QcLedger();
    ledger.add([
      { height: 100, signers: [0, 1, 2, 3] }, // the QC of 99: formed before 100
      { height: 101, signers: [0, 1, 2, 3] }, // the QC of 100: may predate reaching 100
      { height: 102, signers: [0, 1, 2] },
    ]);
    ledger.add([
      { height: 102, signers: [0, 1, 2] },
      { height: 103, signers: [1, 2, 3] },
      { height: 105, signers: [0, 2, 3] },
    ]);
    expect(ledger.signedAbove(3, 100)).toEqual({ qcs: 2, firstHeight: 103, lastHeight: 105 });
    expect(ledger.signedAbove(0, 100)).toEqual({ qcs: 2, firstHeight: 102, lastHeight: 105 });
    expect(ledger.signedAbove(3, 105)).toEqual({ qcs: 0, firstHeight: -1, lastHeight: -1 });
  });
});
