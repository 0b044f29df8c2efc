import fc from 'fast-check';
import { assignIds, classifyXadd, compareStreamIds, entrySizes, refusedEntryIsStored } from '@tickline/bus';

const id = fc.record({ ms: fc.nat({ max: 2 ** 45 }), seq: fc.nat({ max: 1000 }) });

describe('entrySizes', () => {
  test('cuts full entries, and the partial rest only when due', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 5000 }),
        fc.integer({ min: 1, max: 600 }),
        fc.boolean(),
        (length, max, due) => {
          const sizes = entrySizes(length, max, due);
          const taken = sizes.reduce((a, b) => a + b, 0);
          expect(sizes.every((s) => s >= 1 && s <= max)).toBe(true);
          expect(sizes.slice(0, -1).every((s) => s === max)).toBe(true);
          expect(taken).toBe(due ? length : length - (length % max));
        },
      ),
    );
  });
});

describe('assignIds', () => {
  test('strictly increasing, above the last id and never behind the clock', () => {
    fc.assert(
      fc.property(id, fc.nat({ max: 2 ** 45 }), fc.nat({ max: 300 }), (last, now, count) => {
        const ids = assignIds(last, now, count);
        expect(ids).toHaveLength(count);
        let previous = last;
        for (const next of ids) {
          expect(compareStreamIds(next, previous)).toBeGreaterThan(0);
          expect(next.ms).toBeGreaterThanOrEqual(now);
          previous = next;
        }
      }),
    );
  });
});

describe('classifyXadd', () => {
  test('tells stored, refused-as-not-above-top and retryable replies apart', () => {
    expect(classifyXadd(null)).toBe('stored');
    expect(
      classifyXadd(
        new Error('ERR The ID specified in XADD is equal or smaller than the target stream top item'),
      ),
    ).toBe('notAboveTop');
    expect(classifyXadd(new Error('Command timed out'))).toBe('retry');
    expect(classifyXadd(new Error('LOADING Redis is loading the dataset in memory'))).toBe('retry');
  });
});

describe('refusedEntryIsStored', () => {
  test('stored when present, trimmed below the first entry, or the stream is empty; else a gap', () => {
    fc.assert(
      fc.property(fc.boolean(), id, fc.option(id, { nil: undefined }), (present, entry, first) => {
        const stored = refusedEntryIsStored(present, entry, first, compareStreamIds);
        const expected = present || first === undefined || compareStreamIds(entry, first) < 0;
        expect(stored).toBe(expected);
      }),
    );
  });
});
