import fc from 'fast-check';
import { BarSchema, type Bar } from '@tickline/core';
import { bar } from '../../../packages/storage/test/bars';
import { isPlainBar } from '../src/plainBar';

const valid: Bar = bar({
  quality: { score: 0.7, flags: [{ code: 'gap', penalty: 0.3, detail: '3s idle' }] },
});

// Values that are valid somewhere and invalid elsewhere: every field gets each of them.
const anyValue = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    0,
    -0,
    -1,
    1,
    0.5,
    2,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    8.64e15 + 1,
    '',
    ' live',
    'live',
    'btcusdt',
    'ETH:USDT',
    'alpaca',
    '1M',
    '7m',
    true,
    [],
    {},
    [{ code: 'gap', penalty: 0.3 }],
    [{ code: 'gap', penalty: 2 }],
    [{ code: 'gap', penalty: 0.3, extra: 1 }],
    { score: 1, flags: [] },
    { score: 1, flags: [], more: true },
  ),
  fc.double(),
  fc.string(),
);
const fields = [...Object.keys(valid), 'end', 'notional', 'other'];

test('property: a record isPlainBar accepts is one BarSchema accepts and returns equal', () => {
  const mutated = fc
    .array(fc.tuple(fc.constantFrom(...fields), anyValue, fc.boolean()), { maxLength: 3 })
    .map((changes) => {
      const record: Record<string, unknown> = structuredClone(valid);
      for (const [field, value, remove] of changes) {
        if (remove) delete record[field];
        else record[field] = value;
      }
      return record;
    });
  let accepted = 0;
  fc.assert(
    fc.property(mutated, (record) => {
      if (!isPlainBar(record)) return;
      accepted++;
      const parsed = BarSchema.safeParse(record);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toStrictEqual(record);
    }),
    { numRuns: 3000 },
  );
  expect(accepted).toBeGreaterThan(100);
});

test('the bars the pipeline writes take the fast path', () => {
  expect(isPlainBar(valid)).toBe(true);
  expect(isPlainBar({ ...valid, end: valid.start + 60_000, notional: 5 })).toBe(true);
  expect(isPlainBar({ ...valid, quality: { score: 1, flags: [] }, final: false, revision: 2 })).toBe(true);
  expect(isPlainBar({ ...valid, end: valid.start })).toBe(false);
  expect(isPlainBar({ ...valid, notional: undefined })).toBe(false); // left to BarSchema
});
