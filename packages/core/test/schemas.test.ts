import { type z } from 'zod';
import { BarSchema, FundamentalsSchema, QualityReportSchema, QuoteSchema, TradeSchema } from '@tickline/core';

const trade = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  ts: 1_700_000_000_000,
  recvTs: 1_700_000_000_012,
  price: 37_000.5,
  size: 0.012,
  side: 'buy',
  id: '3141592',
};

const quote = {
  venue: 'alpaca',
  symbol: 'AAPL',
  ts: 1_700_000_000_000,
  recvTs: 1_700_000_000_003,
  bidPrice: 189.1,
  bidSize: 300,
  askPrice: 189.12,
  askSize: 100,
};

const bar = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  timeframe: '1m',
  start: 1_700_000_040_000,
  open: 37_000,
  high: 37_010,
  low: 36_990,
  close: 37_005,
  volume: 12.5,
  trades: 321,
  vwap: 37_001.2,
  final: true,
  revision: 0,
  quality: { score: 0.7, flags: [{ code: 'gap', penalty: 0.3, detail: '12s without trades' }] },
  source: 'live',
};

const fundamentals = {
  symbol: 'AAPL',
  asOf: 1_700_000_000_000,
  currency: 'USD',
  fields: {
    marketCap: { value: 2.9e12, source: 'fmp', fetchedAt: 1_700_000_100_000 },
    sector: { value: 'Technology', source: 'yahoo', fetchedAt: 1_700_000_100_000 },
    sharesOutstanding: {
      value: 1.55e10,
      unit: 'shares',
      source: 'alphavantage',
      fetchedAt: 1_700_000_100_000,
    },
    dividendYield: { value: null, unit: 'percent', source: 'fmp', fetchedAt: 1_700_000_100_000 },
  },
};

const report = {
  venue: 'alpaca',
  symbol: 'AAPL',
  timeframe: '1m',
  from: 1_700_000_000_000,
  to: 1_700_003_600_000,
  expectedBars: 60,
  presentBars: 57,
  filledBars: 1,
  missing: [{ from: 1_700_000_600_000, to: 1_700_000_720_000 }],
  meanScore: 0.97,
  minScore: 0.6,
  flagCounts: { gap: 2, outlier: 1 },
  generatedAt: 1_700_003_700_000,
};

/** Parses `input` expecting one failure at `path` whose message contains `why`. */
function expectRejected(schema: z.ZodType, input: unknown, path: (string | number)[], why: string): void {
  const result = schema.safeParse(input);
  expect(result.success).toBe(false);
  const issue = result.error?.issues.find((i) => i.path.join('.') === path.join('.'));
  expect(issue?.message).toContain(why);
}

describe('valid records parse unchanged', () => {
  it.each([
    ['Trade', TradeSchema, trade],
    [
      'Trade with equity fields',
      TradeSchema,
      { ...trade, venue: 'alpaca', conditions: ['@', 'I'], tape: 'C' },
    ],
    ['Quote', QuoteSchema, quote],
    ['Bar', BarSchema, bar],
    ['Bar with end', BarSchema, { ...bar, end: bar.start + 60_000 }],
    ['Fundamentals', FundamentalsSchema, fundamentals],
    ['QualityReport', QualityReportSchema, report],
  ] as const)('%s', (_name, schema, input) => {
    expect(schema.parse(input)).toEqual(input);
  });
});

const badPositives = [
  [NaN, 'must be a finite number, got NaN'],
  [Infinity, 'must be a finite number, got Infinity'],
  [-1, 'must be greater than 0, got -1'],
  [0, 'must be greater than 0, got 0'],
  ['100', 'must be a finite number, got "100"'],
  [undefined, 'must be a finite number, got nothing'],
] as const;

describe.each([
  ['Trade', TradeSchema, trade, ['price', 'size']],
  ['Quote', QuoteSchema, quote, ['bidPrice', 'bidSize', 'askPrice', 'askSize']],
  ['Bar', BarSchema, bar, ['open', 'high', 'low', 'close', 'vwap']],
] as const)('%s rejects bad prices and sizes, naming the field', (_name, schema, valid, fields) => {
  const cases = fields.flatMap((field) => badPositives.map(([value, why]) => [field, value, why] as const));
  it.each(cases)('%s = %p', (field, value, why) => {
    expectRejected(schema, { ...valid, [field]: value }, [field], `${field} ${why}`);
  });
});

describe('Trade', () => {
  it.each([
    ['side', 'short', 'side must be one of buy, sell, unknown, got "short"'],
    ['venue', 'kraken', 'venue must be one of binance, alpaca, yahoo, alphavantage, fmp'],
    ['ts', 1_700_000_000_000.5, 'ts must be whole epoch milliseconds'],
    ['recvTs', 9e15, 'recvTs must be epoch milliseconds within'],
    ['id', '', 'id must be non-empty'],
    ['symbol', 'btcusdt', 'symbol must be upper case'],
  ])('%s = %p is rejected', (field, value, why) => {
    expectRejected(TradeSchema, { ...trade, [field]: value }, [field], why);
  });

  it('rejects a numeric venue trade id: ids are strings', () => {
    expectRejected(TradeSchema, { ...trade, id: 3141592 }, ['id'], 'id must be a string, got 3141592');
  });

  it('rejects unknown fields: extra keys mean a mapper bug', () => {
    expectRejected(TradeSchema, { ...trade, qty: 1 }, [], 'Unrecognized key: "qty"');
  });
});

describe('Bar', () => {
  it.each([
    [{ ...bar, volume: -1 }, ['volume'], 'volume must be 0 or more, got -1'],
    [{ ...bar, trades: 1.5 }, ['trades'], 'trades must be a whole number, got 1.5'],
    [{ ...bar, revision: -1 }, ['revision'], 'revision must be 0 or more, got -1'],
    [{ ...bar, timeframe: '2m' }, ['timeframe'], 'timeframe must be one of'],
    [{ ...bar, end: bar.start }, ['end'], 'end must be after start'],
    [
      { ...bar, quality: { score: 1.5, flags: [] } },
      ['quality', 'score'],
      'score must be between 0 and 1, got 1.5',
    ],
    [
      { ...bar, quality: { score: 0.5, flags: [{ code: 'gap', penalty: -0.1 }] } },
      ['quality', 'flags', 0, 'penalty'],
      'penalty must be between 0 and 1, got -0.1',
    ],
    [{ ...bar, final: 'yes' }, ['final'], 'final must be true or false'],
    [{ ...bar, source: '' }, ['source'], 'source must be non-empty'],
  ] as const)('%#: rejects %j at %j', (input, path, why) => {
    expectRejected(BarSchema, input, [...path], why);
  });

  it('keeps an OHLC-inconsistent bar: that is a quality flag, not a schema error', () => {
    expect(BarSchema.safeParse({ ...bar, high: bar.low - 1 }).success).toBe(true);
  });

  it('accepts a filled bar with no trades and zero volume', () => {
    expect(BarSchema.safeParse({ ...bar, volume: 0, trades: 0 }).success).toBe(true);
  });
});

describe('Fundamentals', () => {
  it('rejects a bad currency and a non-finite value, naming where', () => {
    expectRejected(
      FundamentalsSchema,
      { ...fundamentals, currency: 'usd' },
      ['currency'],
      'three-letter ISO code',
    );
    const fields = { ...fundamentals.fields, marketCap: { value: NaN, source: 'fmp', fetchedAt: 1 } };
    const result = FundamentalsSchema.safeParse({ ...fundamentals, fields });
    expect(result.error?.issues[0]?.path).toEqual(['fields', 'marketCap', 'value']);
  });

  it('requires provenance on every field', () => {
    const fields = { marketCap: { value: 1 } };
    expectRejected(
      FundamentalsSchema,
      { ...fundamentals, fields },
      ['fields', 'marketCap', 'source'],
      'source',
    );
  });
});

describe('QualityReport', () => {
  it.each([
    [{ ...report, to: report.from }, ['to'], 'to must be after from'],
    [{ ...report, meanScore: 2 }, ['meanScore'], 'meanScore must be between 0 and 1, got 2'],
    [{ ...report, missing: [{ from: 5, to: 5 }] }, ['missing', 0, 'to'], 'to must be after from'],
    [{ ...report, flagCounts: { gap: -1 } }, ['flagCounts', 'gap'], 'flag count must be 0 or more'],
  ] as const)('%#: rejects at %j', (input, path, why) => {
    expectRejected(QualityReportSchema, input, [...path], why);
  });
});
