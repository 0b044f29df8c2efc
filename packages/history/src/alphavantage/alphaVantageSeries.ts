import { zonedWallTimeToUtc } from '@tickline/core';
import { z } from 'zod';
import { decimal, type ProviderBar } from '../historyBars';

const dec = z.string().regex(/^-?\d+(\.\d+)?$/, { error: 'expected a decimal string' });
const Values = z.object({ '1. open': dec, '2. high': dec, '3. low': dec, '4. close': dec, '5. volume': dec });

/**
 * TIME_SERIES_INTRADAY and TIME_SERIES_DAILY: a meta block naming the time zone of the keys, and one
 * `Time Series (...)` object keyed by wall time (`YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`), newest first.
 */
export const AlphaVantageSeriesSchema = z
  .looseObject({
    'Meta Data': z.looseObject({ '2. Symbol': z.string() }).catchall(z.string()),
  })
  .catchall(z.unknown())
  .transform((body, ctx) => {
    const key = Object.keys(body).find((k) => k.startsWith('Time Series'));
    const zone = Object.entries(body['Meta Data']).find(([k]) => /Time Zone$/.test(k))?.[1];
    if (key === undefined || zone === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a "Time Series (...)" object and a meta "Time Zone"',
      });
      return z.NEVER;
    }
    const rows = z.record(z.string(), Values).safeParse(body[key]);
    if (!rows.success) {
      ctx.addIssue({ code: 'custom', message: `${key}: ${rows.error.issues[0]?.message ?? 'invalid'}` });
      return z.NEVER;
    }
    return { symbol: body['Meta Data']['2. Symbol'], timeZone: zone, rows: rows.data };
  });
export type AlphaVantageSeries = z.output<typeof AlphaVantageSeriesSchema>;

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

/**
 * A wall time in the series' zone (US/Eastern for US listings) → UTC epoch ms. Never read as UTC:
 * the offset is the zone's at that instant, DST included. A date alone means its midnight.
 */
export function alphaVantageTime(text: string, timeZone: string): number {
  const m = WALL.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0));
  return zonedWallTimeToUtc(timeZone, {
    year: year!,
    month: month!,
    day: day!,
    hour: hour!,
    minute: minute!,
    second: second!,
  });
}

/** A series → provider bars, oldest first. Alpha Vantage labels an intraday bar by its start [U]. */
export function mapAlphaVantageSeries(series: AlphaVantageSeries): ProviderBar[] {
  return Object.entries(series.rows)
    .map(([time, v]) => ({
      start: alphaVantageTime(time, series.timeZone),
      open: decimal(v['1. open']),
      high: decimal(v['2. high']),
      low: decimal(v['3. low']),
      close: decimal(v['4. close']),
      volume: decimal(v['5. volume']),
    }))
    .sort((a, b) => a.start - b.start);
}
