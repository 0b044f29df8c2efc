import type { Bar, Timeframe } from '@tickline/core';

export const T0 = Date.UTC(2024, 0, 1);

/** A valid bar; `overrides` replace any field. */
export function bar(overrides: Partial<Bar> = {}): Bar {
  return {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    start: T0,
    open: 42000.5,
    high: 42100.25,
    low: 41950,
    close: 42050.125,
    volume: 12.345678,
    trades: 321,
    vwap: 42030.0625,
    final: true,
    revision: 0,
    quality: { score: 1, flags: [] },
    source: 'live',
    ...overrides,
  };
}

/** `count` consecutive bars of `timeframe` (fixed length `stepMs`) from `from`, prices varying. */
export function series(
  count: number,
  options: { from?: number; stepMs?: number; timeframe?: Timeframe } = {},
): Bar[] {
  const from = options.from ?? T0;
  const stepMs = options.stepMs ?? 60_000;
  return Array.from({ length: count }, (_, i) => {
    const open = 100 + (i % 97) * 0.01;
    return bar({
      timeframe: options.timeframe ?? '1m',
      start: from + i * stepMs,
      open,
      high: open + 0.5,
      low: open - 0.25,
      close: open + 0.125,
      volume: 1 + (i % 13) * 0.1,
      trades: 1 + (i % 50),
      vwap: open + 0.1,
      quality:
        i % 7 === 0
          ? { score: 0.7, flags: [{ code: 'gap', penalty: 0.3, detail: `${i}s idle` }] }
          : { score: 1, flags: [] },
    });
  });
}
