import type { Bar } from '@tickline/core';

export type BarsFormat = 'csv' | 'json';

/** The CSV header of `tickline bars` (DESIGN.md "Command line"). */
export const BARS_CSV_HEADER = 'start,open,high,low,close,volume,trades,vwap,quality';

const iso = (ms: number) => new Date(ms).toISOString();

function csvLine(bar: Bar): string {
  return `${iso(bar.start)},${bar.open},${bar.high},${bar.low},${bar.close},${bar.volume},${bar.trades},${bar.vwap},${bar.quality.score}`;
}

function jsonLine(bar: Bar): string {
  return JSON.stringify({
    venue: bar.venue,
    symbol: bar.symbol,
    timeframe: bar.timeframe,
    start: iso(bar.start),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    trades: bar.trades,
    vwap: bar.vwap,
    revision: bar.revision,
    source: bar.source,
    // Fixed key order: PostgreSQL's jsonb reorders the keys of stored flags, the cache keeps them as written.
    quality: {
      score: bar.quality.score,
      flags: bar.quality.flags.map(({ code, penalty, detail }) => ({ code, penalty, detail })),
    },
  });
}

const CHUNK = 20_000;

/**
 * Writes bars as CSV (`quality` is the score) or as a JSON array with one bar per line, in chunks so a
 * year of 1m bars never becomes one giant string.
 */
export function writeBars(bars: readonly Bar[], format: BarsFormat, write: (text: string) => void): void {
  const line = format === 'csv' ? csvLine : jsonLine;
  const separator = format === 'csv' ? '\n' : ',\n';
  write(format === 'csv' ? `${BARS_CSV_HEADER}\n` : bars.length === 0 ? '[' : '[\n');
  for (let i = 0; i < bars.length; i += CHUNK) {
    const last = i + CHUNK >= bars.length;
    const text = bars
      .slice(i, i + CHUNK)
      .map(line)
      .join(separator);
    write(format === 'csv' ? `${text}\n` : `${text}${last ? '\n' : separator}`);
  }
  if (format === 'json') write(']\n');
}
