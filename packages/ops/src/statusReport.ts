import type { ConsumerGroupLag, HeartbeatView } from '@tickline/bus';

export type { ConsumerGroupLag };

/** What `tickline status` shows: one snapshot of the whole pipeline, read from Redis, PostgreSQL and disk. */
export interface StatusReport {
  readonly at: number;
  readonly prefix: string;
  readonly services: readonly HeartbeatView[];
  readonly instruments: readonly InstrumentStatus[];
  readonly gaps: GapsStatus;
  readonly deadLetters: readonly DeadLetterStatus[];
  readonly database: DatabaseStatus;
  readonly cache: CacheStatus;
}

export interface InstrumentStatus {
  readonly instrument: string;
  readonly tickEntries: number;
  /** Since the last tick entry was written (its stream id is the write time). */
  readonly lastTickAgeMs: number | undefined;
  /** Since the close of the newest final 1m bar. */
  readonly lastFinalBarAgeMs: number | undefined;
  readonly groups: readonly ConsumerGroupLag[];
}

export interface RecentGap {
  readonly venue: string;
  readonly symbols: readonly string[];
  readonly cause: string;
  readonly fromTs: number;
  readonly toTs: number;
  readonly missing: number | undefined;
}

export interface GapsStatus {
  readonly total: number;
  readonly recent: readonly RecentGap[];
}

export interface DeadLetterStatus {
  readonly source: string;
  readonly entries: number;
}

/** A store's health: `detail` is a one-line summary when it is reachable, `error` why not. */
export interface StoreStatus {
  readonly configured: boolean;
  readonly ok: boolean;
  readonly detail?: string;
  readonly error?: string;
}

export interface TableSize {
  readonly table: string;
  readonly bytes: number;
  /** The planner's estimate (pg_class.reltuples): free to read, close enough to watch growth. */
  readonly rows: number;
}

export interface DatabaseStatus extends StoreStatus {
  readonly bytes?: number;
  readonly tables?: readonly TableSize[];
}

export interface CacheStatus extends StoreStatus {
  readonly files?: number;
  readonly bytes?: number;
}
