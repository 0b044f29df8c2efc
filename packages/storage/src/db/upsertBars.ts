import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BarSchema, type Bar } from '@tickline/core';
import { mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { BAR_TIERS, type BarTier } from './barTiers';
import { BINARY_COPY_TYPES, barsToBinaryCopy } from './binaryCopy';
import { COPY_COLUMNS } from './copyText';
import { pgp, type Database } from './database';

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
 * Per connection: a temporary table of the binary COPY's shape (no index, no WAL), made once per session
 * and emptied after every batch. It dies with the session, so a crash leaves nothing behind.
 */
const STAGING = 'tickline_bar_staging';
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (${COPY_COLUMNS.map(
  (column, i) => `${column} ${BINARY_COPY_TYPES[i]}`,
).join(', ')})`;
const staged = new WeakSet<object>();

/**
 * The staged rows of one tier into its table. The WHERE clause is the precedence rule of precedence.ts
 * as a row comparison.
 */
function upsertSql(tier: BarTier, onlyTier: boolean): string {
  const timeframes = tier.timeframes.map((tf) => `'${tf}'`).join(', ');
  return `INSERT INTO ${tier.table} AS t (${COLUMNS}, updated_at)
SELECT venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final, now()
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
 * the same way first. Idempotent: the same batch again changes no row (not even updated_at). Returns how
 * many rows were inserted or changed.
 *
 * Two round trips per batch whatever its size. Usually (appendable): one query finds that every bar of a
 * one-tier batch starts after the last stored bar of its series, so no key can be taken, and the bars are
 * COPYed (binary) straight into the table: about half the server's work of the upsert, for the common
 * case of bars arriving in time order, a sink catching up included. Otherwise, or when a concurrent
 * writer took a key meanwhile (the COPY then fails whole, unique_violation): a binary COPY into the
 * session's staging table, then one multi-statement query (one implicit transaction) upserting each tier
 * present and emptying the staging table.
 */
export async function upsertBars(
  db: Database,
  bars: readonly Bar[],
  options: UpsertOptions = {},
): Promise<number> {
  if (bars.length === 0) return 0;
  if (options.validate ?? true) validateBars(bars);
  const merged = ascendingPerSeries(bars) ? bars : [...mergeByPrecedence([], bars).values()];
  const timeframes = new Set<string>();
  for (const bar of merged) timeframes.add(bar.timeframe);
  const tiers = BAR_TIERS.filter((tier) => tier.timeframes.some((tf) => timeframes.has(tf)));
  const data = barsToBinaryCopy(merged);
  const connection = await db.connect();
  let healthy = false;
  try {
    // pg-promise bundles its own pg typings; pg-copy-streams uses @types/pg. Same client at runtime.
    const client = connection.client as unknown as ClientBase;
    if (
      tiers.length === 1 &&
      (await connection.one<{ taken: boolean }>(takenSql(tiers[0]!, merged))).taken === false
    ) {
      try {
        await copyInto(client, `COPY ${tiers[0]!.table} (${COLUMNS}) FROM STDIN (FORMAT binary)`, data);
        healthy = true;
        return merged.length;
      } catch (error) {
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      }
    }
    if (!staged.has(client)) {
      await client.query(STAGING_DDL);
      staged.add(client);
    }
    await copyInto(client, `COPY ${STAGING} (${COLUMNS}) FROM STDIN (FORMAT binary)`, data);
    const upsert = [...tiers.map((tier) => upsertSql(tier, tiers.length === 1)), `TRUNCATE ${STAGING}`];
    const results = await connection.multiResult(upsert.join(';\n'));
    healthy = true;
    return results.reduce((sum, result) => sum + (result.rowCount ?? 0), 0);
  } finally {
    // After a failure the staging table may still hold rows: drop the session rather than reuse it.
    void connection.done(!healthy);
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * A query whose `taken` says whether any series of the batch has a stored bar at or after the batch's
 * first bar of that series (then a key of the batch may exist: not appendable). One primary-key range
 * probe per series.
 */
function takenSql(tier: BarTier, bars: readonly Bar[]): string {
  const first = new Map<string, Bar>();
  const keep = (bar: Bar) => {
    const series = `${bar.venue}\u0000${bar.symbol}\u0000${bar.timeframe}`;
    const known = first.get(series);
    if (known === undefined || bar.start < known.start) first.set(series, bar);
  };
  // A series key only where the series changes from bar to bar (as in ascendingPerSeries).
  let earliest = bars[0]!; // of the current run of one series
  for (const bar of bars) {
    if (
      bar.venue === earliest.venue &&
      bar.symbol === earliest.symbol &&
      bar.timeframe === earliest.timeframe
    ) {
      if (bar.start < earliest.start) earliest = bar;
    } else {
      keep(earliest);
      earliest = bar;
    }
  }
  keep(earliest);
  // One statement whatever the number of series: the batch's firsts as arrays, one probe each.
  const firsts = [...first.values()];
  return pgp().as.format(
    `SELECT EXISTS (
  SELECT 1 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS s (venue, symbol, timeframe, start)
  WHERE EXISTS (SELECT 1 FROM ${tier.table} t WHERE t.venue = s.venue AND t.symbol = s.symbol
    AND t.timeframe = s.timeframe AND t.start >= timestamptz 'epoch' + s.start * interval '1 millisecond')
) AS taken`,
    [
      firsts.map((bar) => bar.venue),
      firsts.map((bar) => bar.symbol),
      firsts.map((bar) => bar.timeframe),
      firsts.map((bar) => bar.start),
    ],
  );
}

/** Streams `data` (COPY text, or bytes in the statement's format) through a COPY ... FROM STDIN on `client`. */
export async function copyInto(client: ClientBase, statement: string, data: string | Buffer): Promise<void> {
  await pipeline(
    Readable.from([typeof data === 'string' ? Buffer.from(data) : data]),
    client.query(copyFrom(statement)),
  );
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
