import { join, resolve } from 'node:path';
import { createRedis, Spool, streamKeys, type RedisClient } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import { defineService, type ServiceContext, type ServiceDefinition } from '@tickline/runtime';
import type { LiveFeed } from '@tickline/venues';
import { FEED_FACTORIES, symbolsByVenue, type FeedFactories } from './feedFactories';
import { registerIngestMetrics } from './ingestMetrics';
import { Ingestor, type IngestClock } from './ingestor';

/** `/readyz` fails once publishing has failed for this long (Redis down or not answering). */
const PUBLISHER_FAILING_MS = 5000;

export interface IngestorServiceOptions {
  /** `event` for replays whose tick streams must repeat exactly (see {@link IngestClock}). [wall] */
  readonly clock?: IngestClock;
  /** Venue to feed factory. [FEED_FACTORIES] */
  readonly factories?: FeedFactories;
}

/** The Redis client of the ingestor, from the shared config. */
export function redisFromConfig(config: TicklineConfig, name: string): RedisClient {
  return createRedis({ ...redisConnectionSettings(config), name });
}

/** One feed per configured venue, from the factories; an instrument of a venue without one fails start-up. */
export function buildFeeds(context: ServiceContext, factories: FeedFactories): LiveFeed[] {
  const feeds: LiveFeed[] = [];
  for (const [venue, symbols] of symbolsByVenue(context.config.instruments)) {
    const factory = factories[venue as keyof FeedFactories];
    if (!factory) {
      const known = Object.keys(factories).join(', ');
      throw new Error(
        `no live feed for venue '${venue}' (instruments ${symbols.join(', ')}); feeds exist for ${known}`,
      );
    }
    const onError = (error: unknown) => context.logger.error({ err: error, venue }, 'feed background error');
    feeds.push(factory({ config: context.config, symbols, onError }));
  }
  return feeds;
}

/** `tickline run ingestor`: venue feeds to tick, quote, gap and DLQ streams. */
export function createIngestorService(options: IngestorServiceOptions = {}): ServiceDefinition {
  return defineService({
    name: 'ingestor',
    async start(context) {
      const { config, logger } = context;
      const feeds = buildFeeds(context, options.factories ?? FEED_FACTORIES);
      const redis = redisFromConfig(config, 'tickline-ingestor');
      const { batchSize, lingerMs, maxBuffered, spool: spoolSettings } = config.bus.publisher;
      // What an earlier run left in it is sent first (see StreamPublisher).
      const spool = Spool.open({
        // Named by the key prefix: the spool holds full keys, and tests (own prefixes) share a directory.
        path: join(resolve(spoolSettings.dir), `ingestor-${config.prefix}.spool`),
        maxBytes: spoolSettings.maxBytes,
      });
      const ingestor = new Ingestor({
        feeds,
        redis,
        keys: streamKeys(config.prefix),
        metrics: registerIngestMetrics(context.metrics),
        logger,
        clock: options.clock ?? 'wall',
        spool,
        publisher: {
          maxRecordsPerEntry: batchSize,
          lingerMs,
          maxBufferedRecords: maxBuffered,
          logger: {
            warn: (message, details) => logger.warn(details ?? {}, message),
            error: (message, details) => logger.error(details ?? {}, message),
          },
        },
      });
      const { publisher } = ingestor;
      await ingestor.start();
      logger.info({ instruments: config.instruments, clock: options.clock ?? 'wall' }, 'ingestor started');
      return {
        checks: {
          connected: () => {
            if (!ingestor.connected) throw new Error('not every venue feed has an open connection');
          },
          redis: async () => {
            await redis.ping();
          },
          publisher: () => {
            const since = publisher.failingSince;
            if (since === undefined || Date.now() - since < PUBLISHER_FAILING_MS) return;
            const { records } = spool.stats();
            throw new Error(
              `publishing to Redis has failed for ${Math.round((Date.now() - since) / 1000)} s; ${publisher.buffered} records in memory, ${records} in the spool`,
            );
          },
        },
        stop: () => ingestor.stop(),
      };
    },
  });
}

/** The ingestor with live settings (wall clock, every known venue). */
export const ingestorService = createIngestorService();
