import { StreamConsumer, type StreamKeys } from '@tickline/bus';
import type { Timeframe } from '@tickline/core';
import { HISTORY_PROVIDERS, type HistoryProviderName } from '@tickline/history';
import type { Cluster, Redis } from 'ioredis';
import type { BackfillRequest } from './backfillRequest';

/** A `tl:gaps` record as the ingestor writes it. */
interface GapRecord {
  venue: string;
  symbols: string[];
  cause: string;
  from: number;
  to: number;
}

function isGap(record: unknown): record is GapRecord {
  const r = record as Partial<GapRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.venue === 'string' &&
    Array.isArray(r.symbols) &&
    Number.isFinite(r.from) &&
    Number.isFinite(r.to)
  );
}

/**
 * The backfills that make a gap's bars exact again: per symbol and repaired timeframe, the bars the
 * gap touches, from the venue's own history when the venue is a history provider (Binance klines for
 * a Binance gap), otherwise from the rule's providers. Pure.
 */
export function repairRequests(record: unknown, timeframes: readonly Timeframe[]): BackfillRequest[] {
  if (!isGap(record)) throw new Error(`not a gap record: ${JSON.stringify(record)?.slice(0, 200)}`);
  // A reconnect with no data missed on either side: no bar to repair (the handler logs it).
  if (record.to <= record.from) return [];
  const provider = (HISTORY_PROVIDERS as readonly string[]).includes(record.venue)
    ? (record.venue as HistoryProviderName)
    : undefined;
  const repair = { cause: String(record.cause ?? 'unknown'), from: record.from, to: record.to };
  return record.symbols.flatMap((symbol) =>
    timeframes.map((timeframe) => ({
      venue: record.venue as BackfillRequest['venue'],
      symbol,
      timeframe,
      from: record.from,
      to: record.to,
      ...(provider ? { provider } : {}),
      repair,
    })),
  );
}

export interface GapSchedulerOptions {
  redis: Redis | Cluster;
  keys: StreamKeys;
  consumer: string;
  timeframes: readonly Timeframe[];
  enqueue: (request: BackfillRequest) => Promise<unknown>;
  onGap?: (venue: string) => void;
  logger: { warn(details: object, message: string): void; info(details: object, message: string): void };
}

/**
 * Consumes `tl:gaps` in consumer group `backfill` and enqueues the repair of each gap; an entry is
 * acknowledged once its repairs are queued (their ids are deterministic, so a redelivered gap adds
 * nothing). A record that is not a gap goes to the dead-letter stream after the consumer's attempts.
 */
export function gapScheduler(options: GapSchedulerOptions): StreamConsumer {
  const log = {
    info: (message: string, details?: Record<string, unknown>) => options.logger.info(details ?? {}, message),
    warn: (message: string, details?: Record<string, unknown>) => options.logger.warn(details ?? {}, message),
    error: (message: string, details?: Record<string, unknown>) =>
      options.logger.warn(details ?? {}, message),
  };
  return new StreamConsumer({
    redis: options.redis,
    streams: [options.keys.gaps()],
    group: 'backfill',
    consumer: options.consumer,
    deadLetterKey: options.keys.dlq('backfill'),
    logger: log,
    handler: async (entries) => {
      for (const entry of entries) {
        for (const record of entry.records) {
          const requests = repairRequests(record, options.timeframes);
          for (const request of requests) await options.enqueue(request);
          options.onGap?.((record as GapRecord).venue);
          options.logger.info(
            {
              venue: (record as GapRecord).venue,
              symbols: (record as GapRecord).symbols,
              repairs: requests.length,
            },
            'backfill: gap scheduled for repair',
          );
        }
      }
    },
  });
}
