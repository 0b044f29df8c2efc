import { FundamentalsSchema, type Fundamentals } from '@tickline/core';
import type { Database } from '@tickline/storage';
import type { Combination } from '../combine/combineFundamentals';

/** One row of `fundamentals_snapshots`: a provider's record, or the `combined` view with its combination. */
export interface HistorySnapshot {
  symbol: string;
  /** 'fmp', 'yahoo', 'alphavantage' or 'combined'. */
  provider: string;
  fetchedAt: number;
  record: Fundamentals;
  /** The combined view's strategy, providers used and flags; absent for a provider's own record. */
  combination?: Combination;
  qualityScore?: number;
}

/** Where the service records each snapshot it writes (PostgreSQL in production). */
export interface SnapshotHistorySink {
  insert(snapshot: HistorySnapshot): Promise<void>;
}

export interface HistoryQuery {
  provider?: string;
  /** Inclusive bounds on fetched_at, epoch ms. */
  from?: number;
  to?: number;
  /** Newest rows first, at most this many [100]. */
  limit?: number;
}

interface Row {
  symbol: string;
  provider: string;
  fetched_at: Date;
  data: unknown;
  provenance: { combination?: Combination };
  quality_score: number | null;
}

/**
 * Fundamentals history in the initial schema's `fundamentals_snapshots` table: `data` holds the core
 * record (every field with its source and fetch time), `provenance` the combination for `combined`
 * rows. Inserting the same (symbol, provider, fetched_at) again is a no-op, so retried jobs are safe.
 */
export class PgSnapshotHistory implements SnapshotHistorySink {
  constructor(private readonly db: Database) {}

  async insert(snapshot: HistorySnapshot): Promise<void> {
    await this.db.none(
      `INSERT INTO fundamentals_snapshots (symbol, provider, fetched_at, data, provenance, quality_score)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (symbol, provider, fetched_at) DO NOTHING`,
      [
        snapshot.symbol,
        snapshot.provider,
        new Date(snapshot.fetchedAt),
        JSON.stringify(snapshot.record),
        JSON.stringify(snapshot.combination ? { combination: snapshot.combination } : {}),
        snapshot.qualityScore ?? null,
      ],
    );
  }

  /** A symbol's snapshots over time, newest first; records are validated as they are read. */
  async list(symbol: string, query: HistoryQuery = {}): Promise<HistorySnapshot[]> {
    const rows = await this.db.any<Row>(
      `SELECT symbol, provider, fetched_at, data, provenance, quality_score FROM fundamentals_snapshots
       WHERE symbol = $1 AND ($2::text IS NULL OR provider = $2)
         AND ($3::timestamptz IS NULL OR fetched_at >= $3) AND ($4::timestamptz IS NULL OR fetched_at <= $4)
       ORDER BY fetched_at DESC, provider LIMIT $5`,
      [
        symbol,
        query.provider ?? null,
        query.from === undefined ? null : new Date(query.from),
        query.to === undefined ? null : new Date(query.to),
        query.limit ?? 100,
      ],
    );
    return rows.map((row) => fromRow(row));
  }
}

function fromRow(row: Row): HistorySnapshot {
  const parsed = FundamentalsSchema.safeParse(row.data);
  if (!parsed.success) {
    const at = `${row.symbol}/${row.provider} at ${row.fetched_at.toISOString()}`;
    throw new Error(`fundamentals_snapshots: bad record ${at}: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  return {
    symbol: row.symbol,
    provider: row.provider,
    fetchedAt: row.fetched_at.getTime(),
    record: parsed.data,
    ...(row.provenance.combination ? { combination: row.provenance.combination } : {}),
    ...(row.quality_score === null ? {} : { qualityScore: row.quality_score }),
  };
}
