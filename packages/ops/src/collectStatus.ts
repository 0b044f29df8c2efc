import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  consumerGroups,
  decodeAny,
  parseStreamId,
  readHeartbeats,
  recordsOf,
  scanKeys,
  streamKeys,
  type RedisClient,
  type StreamKeys,
} from '@tickline/bus';
import type { TicklineConfig } from '@tickline/config';
import { parseInstrumentId } from '@tickline/core';
import { connectDatabase, type Database } from '@tickline/storage';
import { formatBytes } from './formatBytes';
import type {
  DeadLetterStatus,
  GapsStatus,
  InstrumentStatus,
  CacheStatus,
  DatabaseStatus,
  RecentGap,
  StatusReport,
  TableSize,
} from './statusReport';

const RECENT_GAPS = 5;
/** How far back from the newest bar entry to look for a final one (partials come between finals). */
const BAR_LOOKBACK = 50;

/**
 * Reads everything `tickline status` shows. Stores that cannot be reached are reported, not thrown.
 * A long-lived reader (the monitor, the gateway's pipeline panel) passes its own `db` pool, kept open;
 * without one, a pool is made for this read and closed after it.
 */
export async function collectStatus(
  redis: RedisClient,
  config: TicklineConfig,
  now = Date.now(),
  db?: Database,
): Promise<StatusReport> {
  const keys = streamKeys(config.prefix);
  const [services, instruments, gaps, deadLetters, database, cache] = await Promise.all([
    readHeartbeats(redis, config.prefix, now),
    Promise.all(config.instruments.map((id) => instrumentStatus(redis, keys, id, now))),
    gapsStatus(redis, keys),
    deadLetterStatus(redis, keys),
    databaseStatus(config, db),
    cacheStatus(config),
  ]);
  return { at: now, prefix: config.prefix, services, instruments, gaps, deadLetters, database, cache };
}

/** Entries of a stream entry's `d` field, decoded. */
function entryRecords(fields: Buffer[]): Record<string, unknown>[] {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]!.toString() === 'd')
      return recordsOf(decodeAny(fields[i + 1]!)) as Record<string, unknown>[];
  }
  return [];
}

async function instrumentStatus(
  redis: RedisClient,
  keys: StreamKeys,
  id: string,
  now: number,
): Promise<InstrumentStatus> {
  const ref = parseInstrumentId(id);
  const ticks = keys.ticks(ref);
  const [tickEntries, lastTick, bars, groups] = await Promise.all([
    redis.xlen(ticks),
    redis.xrevrange(ticks, '+', '-', 'COUNT', 1),
    redis.xrevrangeBuffer(keys.bars(ref, '1m'), '+', '-', 'COUNT', BAR_LOOKBACK),
    consumerGroups(redis, ticks),
  ]);
  const lastTickId = lastTick[0]?.[0];
  let lastFinalClose: number | undefined;
  for (const [, fields] of bars) {
    const final = entryRecords(fields).filter(
      (bar) => bar['final'] === true && typeof bar['start'] === 'number',
    );
    if (final.length > 0) {
      lastFinalClose = Math.max(...final.map((bar) => bar['start'] as number)) + 60_000;
      break;
    }
  }
  return {
    instrument: id,
    tickEntries,
    lastTickAgeMs: lastTickId === undefined ? undefined : Math.max(0, now - parseStreamId(lastTickId).ms),
    lastFinalBarAgeMs: lastFinalClose === undefined ? undefined : Math.max(0, now - lastFinalClose),
    groups,
  };
}

async function gapsStatus(redis: RedisClient, keys: StreamKeys): Promise<GapsStatus> {
  const [total, rows] = await Promise.all([
    redis.xlen(keys.gaps()),
    redis.xrevrangeBuffer(keys.gaps(), '+', '-', 'COUNT', RECENT_GAPS),
  ]);
  const recent: RecentGap[] = [];
  for (const [, fields] of rows) {
    for (const gap of entryRecords(fields).reverse()) {
      if (recent.length === RECENT_GAPS) break;
      recent.push({
        venue: String(gap['venue']),
        symbols: Array.isArray(gap['symbols']) ? gap['symbols'].map(String) : [],
        cause: String(gap['cause']),
        fromTs: Number(gap['fromTs']),
        toTs: Number(gap['toTs']),
        missing: typeof gap['missing'] === 'number' ? gap['missing'] : undefined,
      });
    }
  }
  return { total, recent };
}

async function deadLetterStatus(redis: RedisClient, keys: StreamKeys): Promise<DeadLetterStatus[]> {
  const prefix = keys.dlq('');
  const found = await scanKeys(redis, `${prefix}*`);
  const lengths = await Promise.all(found.map((key) => redis.xlen(key)));
  return found
    .map((key, i) => ({ source: key.slice(prefix.length), entries: lengths[i]! }))
    .sort((a, b) => a.source.localeCompare(b.source));
}

/** The pool a status reader keeps for its reads: undefined without `database.url`. */
export function statusDatabase(config: TicklineConfig): Database | undefined {
  const url = config.database.url;
  return url === undefined ? undefined : statusPool(url);
}

const statusPool = (url: string) => connectDatabase(url, { max: 1, applicationName: 'tickline-status' });

async function databaseStatus(config: TicklineConfig, shared: Database | undefined): Promise<DatabaseStatus> {
  const url = config.database.url;
  if (url === undefined)
    return { configured: false, ok: true, detail: 'not configured (DATABASE_URL unset)' };
  const db = shared ?? statusPool(url);
  try {
    const { bytes } = await db.one<{ bytes: string }>(
      'SELECT pg_database_size(current_database())::text AS bytes',
    );
    // Tickline's tables in the schemas the connection sees (hypertable chunks count in their parent).
    // Rows: the planner's estimate, or the statistics collector's live rows before the first ANALYZE.
    const rows = await db.any<{ table: string; bytes: string; rows: string }>(
      `SELECT c.relname AS table, pg_total_relation_size(c.oid)::text AS bytes,
              (CASE WHEN c.reltuples < 0 THEN pg_stat_get_live_tuples(c.oid) ELSE c.reltuples END)::bigint::text AS rows
         FROM pg_class c
        WHERE c.relkind IN ('r', 'p') AND c.relnamespace = ANY (current_schemas(false)::regnamespace[])
          AND (c.relname LIKE 'bars\\_%' OR c.relname IN ('fundamentals_snapshots', 'gaps'))
        ORDER BY c.relname`,
    );
    const tables: TableSize[] = rows.map((r) => ({
      table: r.table,
      bytes: Number(r.bytes),
      rows: Number(r.rows),
    }));
    const barRows = tables.filter((t) => t.table.startsWith('bars_')).reduce((sum, t) => sum + t.rows, 0);
    return {
      configured: true,
      ok: true,
      bytes: Number(bytes),
      tables,
      detail: `${formatBytes(Number(bytes))}, about ${barRows} bar rows`,
    };
  } catch (error) {
    return { configured: true, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (shared === undefined) await db.$pool.end();
  }
}

async function cacheStatus(config: TicklineConfig): Promise<CacheStatus> {
  const dir = config.cache.dir;
  try {
    let files = 0;
    let bytes = 0;
    for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.csv.gz')) continue;
      files += 1;
      bytes += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
    }
    return {
      configured: true,
      ok: true,
      files,
      bytes,
      detail: `${dir}: ${files} bar files, ${formatBytes(bytes)}`,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        configured: true,
        ok: true,
        files: 0,
        bytes: 0,
        detail: `${dir}: empty (nothing written yet)`,
      };
    }
    return { configured: true, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
