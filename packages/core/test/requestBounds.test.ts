import {
  ERA_END_MS,
  ERA_START_MS,
  MAX_REQUEST_SPAN_MS,
  SymbolSchema,
  TIMEFRAMES,
  eraProblem,
  spanProblem,
  timeframeMs,
  isFixedTimeframe,
} from '../src';

describe('request bounds', () => {
  it('accepts the era [1900, 2200) and nothing outside it', () => {
    expect(eraProblem(ERA_START_MS)).toBeUndefined();
    expect(eraProblem(0)).toBeUndefined();
    expect(eraProblem(ERA_END_MS - 1)).toBeUndefined();
    for (const bad of [ERA_START_MS - 1, ERA_END_MS, 8.64e15, -8.64e15, 1e20, 0.5, NaN, Infinity]) {
      expect(eraProblem(bad)).toMatch(/from 1900-01-01T00:00:00.000Z .* to 2200-01-01T00:00:00.000Z/);
    }
  });

  it('bounds every timeframe to about 600,000 bars at most per request', () => {
    for (const tf of TIMEFRAMES) {
      const span = MAX_REQUEST_SPAN_MS[tf];
      expect(span).toBeGreaterThan(0);
      if (isFixedTimeframe(tf)) expect(span / timeframeMs(tf)).toBeLessThanOrEqual(610_000);
    }
  });

  it('says how to page a range that is too long', () => {
    const from = Date.UTC(2024, 0, 1);
    expect(spanProblem('1m', from, from + MAX_REQUEST_SPAN_MS['1m'])).toBeUndefined();
    expect(spanProblem('1m', from, from + MAX_REQUEST_SPAN_MS['1m'] + 1)).toMatch(
      /more than 366 days.*1m bars.*consecutive ranges of at most 31622400000 ms/,
    );
    expect(spanProblem('1d', ERA_START_MS, ERA_END_MS)).toBeUndefined();
  });
});

describe('SymbolSchema', () => {
  it.each(['..', '.', 'A/../B', '../ETC', 'A/.', 'A\\B', 'A\u0000B', 'A\u007fB'])(
    'refuses %p: it could leave its cache directory',
    (symbol) => {
      expect(SymbolSchema.safeParse(symbol).success).toBe(false);
    },
  );

  it.each(['BRK.B', 'BTC/USD', '^GSPC', 'ES=F', 'A..B', '...X'])('keeps %p', (symbol) => {
    expect(SymbolSchema.parse(symbol)).toBe(symbol);
  });
});
