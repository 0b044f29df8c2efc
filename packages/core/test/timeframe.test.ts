import {
  CoreError,
  TIMEFRAMES,
  TimeframeSchema,
  compareTimeframes,
  isFixedTimeframe,
  isTimeframe,
  parseTimeframe,
  timeframeMs,
} from '@tickline/core';

describe('parseTimeframe', () => {
  it.each(TIMEFRAMES)('accepts %s', (tf) => {
    expect(parseTimeframe(tf)).toBe(tf);
  });

  it.each(['7m', '1H', '60s', '', ' 1m', '1mo'])('rejects %j with the valid list in the error', (input) => {
    expect(() => parseTimeframe(input)).toThrow(CoreError);
    expect(() => parseTimeframe(input)).toThrow(`unknown timeframe ${JSON.stringify(input)}`);
    expect(() => parseTimeframe(input)).toThrow(
      '1s, 5s, 15s, 30s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, 1w, 1M',
    );
  });

  it('tells minutes from months by case', () => {
    expect(parseTimeframe('1m')).not.toBe(parseTimeframe('1M'));
  });

  it('the schema names the field and lists the valid values', () => {
    const result = TimeframeSchema.safeParse('2d');
    expect(result.error?.issues[0]?.message).toMatch(/^timeframe must be one of 1s, 5s, .*1M, got "2d"$/);
  });

  it('isTimeframe guards unknown input', () => {
    expect(isTimeframe('4h')).toBe(true);
    expect(isTimeframe('4H')).toBe(false);
    expect(isTimeframe(4)).toBe(false);
  });
});

describe('timeframeMs', () => {
  it.each([
    ['1s', 1_000],
    ['5s', 5_000],
    ['15s', 15_000],
    ['30s', 30_000],
    ['1m', 60_000],
    ['3m', 180_000],
    ['5m', 300_000],
    ['15m', 900_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['2h', 7_200_000],
    ['4h', 14_400_000],
    ['6h', 21_600_000],
    ['12h', 43_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
  ] as const)('%s lasts %d ms', (tf, ms) => {
    expect(timeframeMs(tf)).toBe(ms);
  });

  it('only the month is not fixed', () => {
    expect(TIMEFRAMES.filter((tf) => !isFixedTimeframe(tf))).toEqual(['1M']);
  });
});

describe('compareTimeframes', () => {
  it('orders by length, month last', () => {
    const shuffled = ['1M', '1s', '12h', '1w', '3m', '1d', '5s', '1h', '1m'] as const;
    expect([...shuffled].sort(compareTimeframes)).toEqual([
      '1s',
      '5s',
      '1m',
      '3m',
      '1h',
      '12h',
      '1d',
      '1w',
      '1M',
    ]);
  });

  it('agrees with the fixed lengths', () => {
    const fixed = TIMEFRAMES.filter(isFixedTimeframe);
    for (const a of fixed) {
      for (const b of fixed) {
        expect(Math.sign(compareTimeframes(a, b))).toBe(Math.sign(timeframeMs(a) - timeframeMs(b)));
      }
    }
  });
});
