import { createRedis, silentBusLogger, streamKeys, type RedisClient, type StreamKeys } from '@tickline/bus';
import type { TicklineConfig } from '@tickline/config';
import type { InstrumentRef, Trade } from '@tickline/core';
import { connectDatabase, type Database } from '@tickline/storage';
import { Observable, type Subscriber } from 'rxjs';
import type { BarEvent } from './barEvent';
import { BarStitcher } from './barStitcher';
import { runBars, type Follow } from './barsRun';
import { runTicks } from './ticksRun';
import { ClientError } from './clientError';
import {
  clientOptionsFromConfig,
  isTicklineConfig,
  resolveClientOptions,
  type ClientOptions,
  type ResolvedClientOptions,
} from './clientOptions';
import {
  cacheHistory,
  databaseHistory,
  HISTORY_SOURCES,
  type HistorySource,
  type HistorySourceName,
} from './historySource';
import { ReaderPool } from './sharedReader';
import { followStream } from './streamFollower';
import type { TailOptions } from './streamTail';
import { fromArg, instrumentArg, timeframeArg } from './subscriptionArgs';

/** Options of {@link TicklineClient.bars}. */
export interface BarsOptions {
  /** Replay history from this bar start (epoch ms, Date or ISO-8601) before live bars. Default: live only. */
  readonly from?: number | Date | string;
  /** Also deliver partial (still open) bars. Default false. */
  readonly partial?: boolean;
  /** Where history comes from. Default: the database when configured, else the file cache, else the stream. */
  readonly source?: HistorySourceName;
}

/** Options of {@link TicklineClient.ticks}. */
export interface TicksOptions {
  /** Deliver the trades after this tick-stream entry id. Default: from the stream's end at subscription. */
  readonly afterId?: string;
}

interface Running {
  readonly abort: AbortController;
  readonly subscriber: Subscriber<unknown>;
  /** Drops the subscription's hold on its stream's shared reader. */
  readonly release: () => void;
  /** Settles when the subscription's loop has returned. */
  done: Promise<void>;
}

/** Entries a subscription may buffer from its shared reader while it catches up; past it they are read again. */
const FOLLOWER_BUFFER_ENTRIES = 2000;

/**
 * Bars and ticks of a running Tickline as RxJS Observables, for Node strategies. Reads with plain XREAD, so
 * every subscriber sees every entry. Redis connections: one for the commands that never block (seam, end,
 * catch-up reads) and one blocking reader per stream subscribed to, shared by every subscription of that stream
 * (see followStream), so the count follows the streams, not the subscriptions (`maxReaders` caps it).
 */
export class TicklineClient {
  private readonly options: ResolvedClientOptions;
  private readonly keys: StreamKeys;
  private readonly db: Database | undefined;
  private readonly ownsDb: boolean;
  private readonly running = new Set<Running>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly readers: ReaderPool;
  private commandConnection: RedisClient | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: ClientOptions = {}) {
    this.options = resolveClientOptions(options);
    this.keys = streamKeys(this.options.prefix);
    this.ownsDb = options.database === undefined && options.databaseUrl !== undefined;
    this.db =
      options.database ??
      (options.databaseUrl === undefined
        ? undefined
        : connectDatabase(options.databaseUrl, {
            schema: options.databaseSchema,
            max: 2,
            applicationName: 'tickline-client',
          }));
    const { signal: _signal, ...readerTail } = this.tailOptions(new AbortController().signal);
    this.readers = new ReaderPool(() => this.connect(true), readerTail, this.options.maxReaders);
  }

  /** Redis connections open now: the command connection (once used) and the stream readers, stopping ones included. */
  get redisConnections(): number {
    return this.readers.open + (this.commandConnection === undefined ? 0 : 1);
  }

  /**
   * Bars of one instrument and timeframe: history from `from` (when given), then live bars, with no bar
   * missing or repeated at the seam; revisions arrive as `revision` events of the same bar key. Survives
   * Redis errors and restarts, resuming after the last entry it delivered.
   */
  bars(
    instrument: string | InstrumentRef,
    timeframe: string,
    options: BarsOptions = {},
  ): Observable<BarEvent> {
    const ref = instrumentArg(instrument);
    const tf = timeframeArg(timeframe);
    const from = fromArg(options.from);
    const history = this.historySource(options.source);
    const key = this.keys.bars(ref, tf);
    return this.subscription<BarEvent>(key, (redis, tail, follow, next) =>
      runBars({
        redis,
        key,
        instrument: ref,
        timeframe: tf,
        from,
        history,
        stitcher: new BarStitcher({
          from,
          partial: options.partial,
          maxTracked: this.options.maxTrackedBars,
        }),
        tail,
        follow,
        next,
        now: Date.now,
        gapLookbackMs: this.options.gapLookbackMs,
      }),
    );
  }

  /** Trades of one instrument as they arrive (see runTicks). */
  ticks(instrument: string | InstrumentRef, options: TicksOptions = {}): Observable<Trade> {
    const key = this.keys.ticks(instrumentArg(instrument));
    return this.subscription<Trade>(key, (redis, tail, follow, next) =>
      runTicks(redis, key, options.afterId, next, tail, follow),
    );
  }

  /** Completes every subscription, closes their connections and the database pool the client made. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private historySource(name: HistorySourceName | undefined): HistorySource | 'stream' {
    const { cacheDir } = this.options;
    if (name !== undefined && !HISTORY_SOURCES.includes(name)) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `source must be one of ${HISTORY_SOURCES.join(', ')}, got ${JSON.stringify(name)}`,
      );
    }
    if (name === 'stream') return 'stream';
    if (name === 'database' || (name === undefined && this.db)) {
      if (!this.db)
        throw new ClientError(
          'NO_HISTORY_SOURCE',
          'history from the database asked, but no databaseUrl is configured',
        );
      return databaseHistory(this.db);
    }
    if (name === 'cache' || (name === undefined && cacheDir !== undefined)) {
      if (cacheDir === undefined)
        throw new ClientError(
          'NO_HISTORY_SOURCE',
          'history from the file cache asked, but no cacheDir is configured',
        );
      return cacheHistory(cacheDir);
    }
    return 'stream';
  }

  private subscription<T>(
    key: string,
    body: (redis: RedisClient, tail: TailOptions, follow: Follow, next: (value: T) => void) => Promise<void>,
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.closing) {
        subscriber.error(new ClientError('CLOSED', `subscription to ${key} after the client was closed`));
        return undefined;
      }
      let held: ReturnType<ReaderPool['hold']>;
      try {
        held = this.readers.hold(key);
      } catch (error) {
        subscriber.error(error);
        return undefined;
      }
      const abort = new AbortController();
      const running: Running = { abort, subscriber, release: held.release, done: Promise.resolve() };
      this.running.add(running);
      const tail = this.tailOptions(abort.signal);
      const source = {
        key,
        reader: held.reader,
        commands: this.commands(),
        maxBuffered: FOLLOWER_BUFFER_ENTRIES,
      };
      const follow: Follow = (start, handlers) => followStream(source, start, handlers, tail);
      running.done = body(source.commands, tail, follow, (value) => subscriber.next(value)).catch(
        (error: unknown) => subscriber.error(error),
      );
      return () => void this.stop(running);
    });
  }

  /** The connection for commands that never block, shared by every subscription; opened on first use. */
  private commands(): RedisClient {
    this.commandConnection ??= this.connect(false);
    return this.commandConnection;
  }

  private connect(blocking: boolean): RedisClient {
    const { redis: connection = {}, blockMs, retryBaseMs, retryMaxMs } = this.options;
    // A blocking XREAD must end before the command and socket timeouts would cut it.
    const timeoutMs = blockMs + (connection.commandTimeoutMs ?? 5000);
    return createRedis({
      ...connection,
      name: connection.name ?? 'tickline-client',
      ...(blocking ? { commandTimeoutMs: timeoutMs, socketTimeoutMs: timeoutMs } : {}),
      retryBaseMs,
      retryMaxMs,
      logger: this.options.logger ?? silentBusLogger,
    });
  }

  /**
   * Ends a subscription: its loop stops at once (it never blocks) and its hold on the stream's reader is
   * dropped; the reader stops with its last holder, at the end of its current XREAD (at most blockMs).
   */
  private stop(running: Running): Promise<void> {
    if (!this.running.delete(running)) return Promise.resolve();
    running.abort.abort();
    running.release();
    const stopped = running.done.then(() => void this.stopping.delete(stopped));
    this.stopping.add(stopped);
    return stopped;
  }

  private tailOptions(signal: AbortSignal): TailOptions {
    const { blockMs, readCount, retryBaseMs, retryMaxMs, redis } = this.options;
    return {
      blockMs,
      count: readCount,
      backoff: { initialMs: retryBaseMs, maxMs: retryMaxMs },
      logger: this.options.logger ?? silentBusLogger,
      secrets: [redis?.password, this.options.databaseUrl],
      signal,
    };
  }

  private async shutdown(): Promise<void> {
    const problems: unknown[] = [];
    for (const running of [...this.running]) {
      try {
        void this.stop(running);
        running.subscriber.complete();
      } catch (error) {
        problems.push(error);
      }
    }
    await Promise.all([...this.stopping]);
    await this.readers.close();
    this.commandConnection?.disconnect();
    if (this.ownsDb && this.db) await this.db.$pool.end().catch((error: unknown) => problems.push(error));
    if (problems.length > 0) throw new AggregateError(problems, 'client close: some cleanup steps failed');
  }
}

/** A client from the shared configuration (`loadConfig()`) or from explicit options. */
export function createClient(input: TicklineConfig | ClientOptions = {}): TicklineClient {
  return new TicklineClient(isTicklineConfig(input) ? clientOptionsFromConfig(input) : input);
}
