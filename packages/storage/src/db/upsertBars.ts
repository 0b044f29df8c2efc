import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BarSchema, type Bar } from '@tickline/core';
import { mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { BAR_TIERS, type BarTier } from './barTiers';
import { COPY_COLUMNS, barsToCopyText } from './copyText';
import type { Database } from './database';

/** Options of {@link upsertBars}. */
export interface UpsertOptions {
  /** Check every bar against BarSchema first (a bad bar rejects the whole batch). Default true. */
  validate?: boolean;
}

const COLUMNS = COPY_COLUMNS.join(', ');

// Compared to decide whether an update changes anything (so a replayed batch does not even touch updated_at).
const CONTENT =
  'open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final';
const content = (alias: string) =>
  `(${CONTENT.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ')})`;

/**
 * Per connection: a temporary table of the COPY shape (no index, no WAL), made once per session and
 * emptied after every batch. It dies with the session, so a crash leaves nothing behind.
 */
const STAGING = 'tickline_bar_staging';
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (venue text, symbol text, timeframe text,
  start bigint, open float8, high float8, low float8, close float8, volume float8, trades bigint, vwap float8,
  quality_score float8, quality_flags jsonb, source text, revision integer, final boolean)`;
const staged = new WeakSet<object>();

/**
 * The staged rows of one tier into its table. The WHERE clause is the precedence rule of precedence.ts
 * as a row comparison.
 */
function upsertSql(tier: BarTier, onlyTier: boolean): string {
  const timeframes = tier.timeframes.map((tf) => `'${tf}'`).join(', ');
  return `INSERT INTO ${tier.table} AS t (${COLUMNS}, updated_at)
SELECT venue, symbol, timeframe, timestamptz 'epoch' + start * interval '1 millisecond',
  open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final, now()
FROM ${STAGING}${onlyTier ? '' : ` WHERE timeframe IN (${timeframes})`}
ON CONFLICT (venue, symbol, timeframe, start) DO UPDATE SET
  open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
  volume = EXCLUDED.volume, trades = EXCLUDED.trades, vwap = EXCLUDED.vwap,
  quality_score = EXCLUDED.quality_score, quality_flags = EXCLUDED.quality_flags, source = EXCLUDED.source,
  revision = EXCLUDED.revision, final = EXCLUDED.final, updated_at = EXCLUDED.updated_at
WHERE (EXCLUDED.revision, EXCLUDED.final, EXCLUDED.source = 'live') >= (t.revision, t.final, t.source = 'live')
  AND ${content('t')} IS DISTINCT FROM ${content('EXCLUDED')}`;
}

/**
 * Writes a batch of bars with the precedence rule of precedence.ts: higher revision, then final over
 * partial, then live over provider, then the later write. Duplicate keys inside the batch are resolved
 * the same way first. Two statements per batch whatever its size: a COPY of every bar into the session's
 * staging table, then one multi-statement query (one implicit transaction) upserting each tier present
 * and emptying the staging table. Idempotent: the same batch again changes no row (not even updated_at).
 * Returns how many rows were inserted or changed.
 */
export async function upsertBars(
  db: Database,
  bars: readonly Bar[],
  options: UpsertOptions = {},
): Promise<number> {
  if (bars.length === 0) return 0;
  if (options.validate ?? true) validateBars(bars);
  const merged = ascendingPerSeries(bars) ? bars : [...mergeByPrecedence([], bars).values()];
  const tiers = BAR_TIERS.filter((tier) => merged.some((bar) => tier.timeframes.includes(bar.timeframe)));
  const upsert = [...tiers.map((tier) => upsertSql(tier, tiers.length === 1)), `TRUNCATE ${STAGING}`].join(
    ';\n',
  );
  const connection = await db.connect();
  let healthy = false;
  try {
    // pg-promise bundles its own pg typings; pg-copy-streams uses @types/pg. Same client at runtime.
    const client = connection.client as unknown as ClientBase;
    if (!staged.has(client)) {
      await client.query(STAGING_DDL);
      staged.add(client);
    }
    await copyInto(client, `COPY ${STAGING} (${COLUMNS}) FROM STDIN`, barsToCopyText(merged));
    const results = await connection.multiResult(upsert);
    healthy = true;
    return results.reduce((sum, result) => sum + (result.rowCount ?? 0), 0);
  } finally {
    // After a failure the staging table may still hold rows: drop the session rather than reuse it.
    void connection.done(!healthy);
  }
}

/** Streams `text` (COPY text format) through a COPY ... FROM STDIN statement on `client`. */
export async function copyInto(client: ClientBase, statement: string, text: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(statement)));
}

/**
 * Whether every series (venue, symbol, timeframe) of the batch has strictly ascending starts, so no key
 * repeats and the precedence merge can be skipped: it built a key string per bar, the sink's largest
 * cost after PostgreSQL itself. A series key is built only where the series changes from bar to bar.
 */
function ascendingPerSeries(bars: readonly Bar[]): boolean {
  const last = new Map<string, number>();
  let previous: Bar | undefined;
  let series = '';
  for (const bar of bars) {
    if (
      previous === undefined ||
      bar.venue !== previous.venue ||
      bar.symbol !== previous.symbol ||
      bar.timeframe !== previous.timeframe
    ) {
      if (previous !== undefined) last.set(series, previous.start);
      series = `${bar.venue}\u0000${bar.symbol}\u0000${bar.timeframe}`;
      const before = last.get(series);
      if (before !== undefined && bar.start <= before) return false;
    } else if (bar.start <= previous.start) return false;
    previous = bar;
  }
  return true;
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
