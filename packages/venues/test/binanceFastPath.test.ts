import fc from 'fast-check';
import { fastTrade } from '../src/binance/binanceFastPath';
import { TradePayloadSchema } from '../src/binance/binanceMessages';

// Values a trade field might take in a broken or surprising frame.
const oddValue = fc.oneof(
  fc.constantFrom(
    '0',
    '0.0',
    '-1',
    '1e3',
    'NaN',
    'Infinity',
    '',
    ' 1',
    '1.',
    '.5',
    '61837.63000000',
    'trade',
    'x',
  ),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, undefined, 2 ** 53, 8.64e15 + 1, -1, 1.5),
  fc.string({ maxLength: 6 }),
);
const base = {
  e: 'trade',
  E: 1723161255343,
  s: 'BTCUSDT',
  t: 3735683259,
  p: '61837.63',
  q: '0.02',
  T: 1723161255342,
  m: true,
};
const fields = Object.keys(base) as Array<keyof typeof base>;

describe('trade fast path', () => {
  it('accepts only what the zod schema accepts, with the same values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fields), oddValue, { maxKeys: 3 }), (patch) => {
        const data = { ...base, ...patch };
        const fast = fastTrade(data, 1);
        const zod = TradePayloadSchema.safeParse(data);
        if (fast === undefined) return true;
        if (!zod.success) return false;
        const z = zod.data;
        const t = fast.trade;
        return (
          t.price === z.p &&
          t.size === z.q &&
          t.ts === z.T &&
          fast.seq === z.t &&
          t.symbol === z.s &&
          t.side === (z.m ? 'sell' : 'buy')
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the well-formed frames (the point of having it)', () => {
    expect(fastTrade(base, 1)?.trade).toMatchObject({
      price: 61837.63,
      size: 0.02,
      id: '3735683259',
      side: 'sell',
    });
  });
});
