import fc from 'fast-check';
import {
  compareRecordPositions,
  formatPosition,
  parsePosition,
  recordsAfter,
  type ConsumedEntry,
  type RecordPosition,
} from '@tickline/bus';

function entriesOf(sizes: readonly number[]): ConsumedEntry[] {
  return sizes.map((size, i) => {
    const id = `${1000 + i}-${i % 3}`;
    const records = Array.from({ length: size }, (_, index) => index);
    return { stream: 's', id, version: 1, records, payload: Buffer.alloc(0), deliveries: 1 };
  });
}

const batch = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 });

describe('recordsAfter', () => {
  it('keeps exactly the records after the position, in stream order', () => {
    fc.assert(
      fc.property(batch, fc.nat(), fc.nat({ max: 6 }), fc.boolean(), (sizes, pick, index, none) => {
        const entries = entriesOf(sizes);
        const all = entries.flatMap((entry) =>
          entry.records.map((record, index) => ({ position: { entryId: entry.id, index }, record })),
        );
        const position: RecordPosition | undefined = none
          ? undefined
          : { entryId: entries[pick % entries.length]!.id, index };
        const kept = recordsAfter(entries, position);
        const expected = all.filter((r) => !position || compareRecordPositions(r.position, position) > 0);
        expect(kept).toEqual(expected);
        for (let i = 1; i < kept.length; i += 1) {
          expect(compareRecordPositions(kept[i - 1]!.position, kept[i]!.position)).toBeLessThan(0);
        }
      }),
    );
  });

  it('resumes in the middle of an entry', () => {
    const entries = entriesOf([3, 2]);
    const kept = recordsAfter(entries, { entryId: '1000-0', index: 1 });
    expect(kept.map((r) => formatPosition(r.position))).toEqual(['1000-0/2', '1001-1/0', '1001-1/1']);
  });

  it('skips everything at or before a position past the batch', () => {
    expect(recordsAfter(entriesOf([2, 2]), { entryId: '5000-0', index: 0 })).toEqual([]);
  });
});

describe('positions as text', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (ms, seq, index) => {
        const position = { entryId: `${ms}-${seq}`, index };
        expect(parsePosition(formatPosition(position))).toEqual(position);
      }),
    );
  });

  it.each(['', '1-0', '1-0/', '1-0/-1', 'x/0', '1-0/1.5'])('rejects %j', (text) => {
    expect(() => parsePosition(text)).toThrow(/invalid/);
  });
});
