import { BarSchema, type Bar } from '@tickline/core';
import { mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { barTable } from './barTiers';
import type { Database } from './database';

/** Options of {@link upsertBars}. */
export interface UpsertOptions {
  /** Check every bar against BarSchema first (a bad bar rejects the whole batch). Default true. */
  validate?: boolean;
}

const COLUMNS =
  'venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final';

// Compared to decide whether an update changes anything (so a replayed batch does not even touch updated_at).
const CONTENT =
  'open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final';
const content = (alias: string) =>
  `(${CONTENT.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ')})`;

/**
 * One statement per tier table. The batch travels as one JSON parameter expanded server-side by
 * jsonb_to_recordset: measured faster than a multi-row VALUES list (see README, "Write path").
 * The WHERE clause is the precedence rule of precedence.ts as a row comparison.
 */
function upsertSql(table: string, param: string): string {
  return `INSERT INTO ${table} AS t (${COLUMNS}, updated_at)
SELECT r.venue, r.symbol, r.timeframe, timestamptz 'epoch' + r.start * interval '1 millisecond',
  r.open, r.high, r.low, r.close, r.volume, r.trades, r.vwap, r.quality_score, r.quality_flags, r.source, r.revision, r.final, now()
FROM jsonb_to_recordset(${param}::jsonb) AS r(venue text, symbol text, timeframe text, start bigint,
  open float8, high float8, low float8, close float8, volume float8, trades bigint, vwap float8,
  quality_score float8, quality_flags jsonb, source text, revision int, final boolean)
ON CONFLICT (venue, symbol, timeframe, start) DO UPDATE SET
  open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
  volume = EXCLUDED.volume, trades = EXCLUDED.trades, vwap = EXCLUDED.vwap,
  quality_score = EXCLUDED.quality_score, quality_flags = EXCLUDED.quality_flags, source = EXCLUDED.source,
  revision = EXCLUDED.revision, final = EXCLUDED.final, updated_at = EXCLUDED.updated_at
WHERE (EXCLUDED.revision, EXCLUDED.final, EXCLUDED.source = 'live') >= (t.revision, t.final, t.source = 'live')
  AND ${content('t')} IS DISTINCT FROM ${content('EXCLUDED')}`;
}

function toRecord(bar: Bar) {
  return {
    venue: bar.venue,
    symbol: bar.symbol,
    timeframe: bar.timeframe,
    start: bar.start,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    trades: bar.trades,
    vwap: bar.vwap,
    quality_score: bar.quality.score,
    quality_flags: bar.quality.flags,
    source: bar.source,
    revision: bar.revision,
    final: bar.final,
  };
}

/**
 * Writes a batch of bars in ONE round trip (one multi-statement query, one implicit transaction), with
 * the precedence rule of precedence.ts: higher revision, then final over partial, then live over
 * provider, then the later write. Duplicate keys inside the batch are resolved the same way first.
 * Idempotent: the same batch again changes no row (not even updated_at).
 * Returns how many rows were inserted or changed.
 */
export async function upsertBars(
  db: Database,
  bars: readonly Bar[],
  options: UpsertOptions = {},
): Promise<number> {
  if (bars.length === 0) return 0;
  if (options.validate ?? true) validateBars(bars);
  const byTable = new Map<string, ReturnType<typeof toRecord>[]>();
  for (const bar of mergeByPrecedence([], bars).values()) {
    const table = barTable(bar.timeframe);
    let rows = byTable.get(table);
    if (rows === undefined) byTable.set(table, (rows = []));
    rows.push(toRecord(bar));
  }
  const tables = [...byTable.keys()];
  const sql = tables.map((table, i) => upsertSql(table, `$${i + 1}`)).join(';\n');
  const values = tables.map((table) => JSON.stringify(byTable.get(table)));
  const results = await db.multiResult(sql, values);
  return results.reduce((sum, result) => sum + result.rowCount, 0);
}

function validateBars(bars: readonly Bar[]): void {
  bars.forEach((bar, index) => {
    const parsed = BarSchema.safeParse(bar);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StorageError(
        'INVALID_BAR',
        `bar ${index} of the batch (${String(bar?.venue)}:${String(bar?.symbol)} ${String(bar?.timeframe)} @${String(bar?.start)}) is invalid: ${issue?.message ?? 'unknown issue'}; nothing was written`,
      );
    }
  });
}
