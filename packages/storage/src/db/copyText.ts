import type { Bar } from '@tickline/core';

/**
 * The columns of a bar in COPY order: the staging table of upsertBars and the bench's raw COPY both
 * take exactly these (start as epoch ms; the upsert turns it into a timestamptz).
 */
export const COPY_COLUMNS = [
  'venue',
  'symbol',
  'timeframe',
  'start',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'trades',
  'vwap',
  'quality_score',
  'quality_flags',
  'source',
  'revision',
  'final',
] as const;

// COPY's text format gives backslash, tab, newline and carriage return a meaning; everything else is literal.
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A string as one field of COPY's text format. */
export function copyField(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : value;
}

/**
 * Bars as COPY text rows (tab-separated, newline-terminated) in COPY_COLUMNS order. Numbers are written
 * with JavaScript's shortest round-trip form, which float8 input reads back to the same double. `start`
 * is epoch ms unless `startText` says otherwise (an ISO time for a timestamptz column).
 */
export function barsToCopyText(
  bars: Iterable<Bar>,
  startText: (start: number) => string | number = (start) => start,
): string {
  let text = '';
  for (const b of bars) {
    const flags = b.quality.flags.length === 0 ? '[]' : copyField(JSON.stringify(b.quality.flags));
    text += `${copyField(b.venue)}\t${copyField(b.symbol)}\t${b.timeframe}\t${startText(b.start)}\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${b.volume}\t${b.trades}\t${b.vwap}\t${b.quality.score}\t${flags}\t${copyField(b.source)}\t${b.revision}\t${b.final ? 't' : 'f'}\n`;
  }
  return text;
}
