import {
  StreamPublisher,
  type RedisClient,
  type Spool,
  type StreamKeys,
  type StreamPublisherOptions,
} from '@tickline/bus';
import type { Quote, Trade } from '@tickline/core';
import type { FeedEvent, FeedGap, FeedReject, LiveFeed, TradeAmendment } from '@tickline/venues';
import { DroppedSpans, type SpoolGap } from './droppedSpans';
import type { IngestMetrics } from './ingestMetrics';
import { LatencyTracker } from './latencyTracker';

/**
 * Which time a published trade carries as `recvTs`:
 * - `wall`: our receive time (live use);
 * - `event`: the venue event time, so a replayed recording yields byte-identical tick streams run
 *   after run. The ingestor cannot see the recording's `t` (the mock sends plain venue frames, as a
 *   venue would), and inventing a side channel would make the replayed path differ from the live one.
 */
export type IngestClock = 'wall' | 'event';

export interface IngestorLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface IngestorOptions {
  readonly feeds: readonly LiveFeed[];
  /** The publisher's connection; `stop()` quits it. */
  readonly redis: RedisClient;
  readonly keys: StreamKeys;
  readonly metrics: IngestMetrics;
  readonly logger: IngestorLogger;
  /** [wall] */
  readonly clock?: IngestClock;
  /** Batching of the one publisher every record goes through (`onAck` and the drop callbacks are the ingestor's). */
  readonly publisher?: Omit<StreamPublisherOptions, 'onAck' | 'spool' | 'onDrop' | 'onDropEnd'>;
  /**
   * Where records beyond `publisher.maxBufferedRecords` go (`stop()` closes it); what its budget cannot take
   * is published as `spool-full` gaps. Without one, publishing beyond the bound waits in memory, unbounded:
   * only for tests and benchmarks that never outpace Redis.
   */
  readonly spool?: Spool;
}

/**
 * Publishes what venue feeds emit: trades to `ticks:{venue:SYMBOL}`, quotes to `quotes:{...}`, gaps to
 * `gaps`, rejected frames to `dlq:<venue>`, all through one batching publisher. While Redis is slow or
 * restarting the publisher keeps up to its bound in memory and re-sends; beyond it, records go to the
 * spool and are sent in order once Redis is back; beyond the spool's budget, dropped trades become a
 * `spool-full` gap (repaired by backfill) and any other dropped record is logged.
 */
export class Ingestor {
  readonly publisher: StreamPublisher;
  readonly counts = { trades: 0, amendments: 0, quotes: 0, gaps: 0, rejects: 0 };
  private readonly latency: LatencyTracker;
  private readonly open = new Map<LiveFeed, Set<string>>();
  private readonly tickKeys = new Map<string, Map<string, string>>();
  private readonly quoteKeys = new Map<string, Map<string, string>>();
  private readonly correctionKeys = new Map<string, Map<string, string>>();
  private readonly tickKeySet = new Set<string>();
  private readonly dropped = new DroppedSpans();
  private readonly removers: Array<() => void> = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: IngestorOptions) {
    this.latency = new LatencyTracker((seconds) => options.metrics.latency(seconds));
    this.publisher = new StreamPublisher(options.redis, {
      ...options.publisher,
      spool: options.spool,
      onAck: (ack) => this.latency.onAck(ack),
      onDrop: (key, records) => this.onDrop(key, records),
      // Published after the publisher's own step returns: it is calling us from inside its spill logic.
      onDropEnd: (key) => queueMicrotask(() => this.publishSpoolGap(this.dropped.end(key))),
    });
    const { publisher, spool } = { publisher: this.publisher, spool: options.spool };
    options.metrics.watchPublisher(() => ({
      buffered: publisher.buffered,
      spool: spool?.stats(),
      dropped: publisher.stats.dropped,
      now: Date.now(),
    }));
    for (const feed of options.feeds) {
      this.open.set(feed, new Set());
      this.removers.push(feed.onEvent((event) => this.onEvent(feed, event)));
    }
  }

  /** Starts every feed (each resolves once its connections were attempted). */
  async start(): Promise<void> {
    await Promise.all(this.options.feeds.map((feed) => feed.start()));
  }

  /** True when every feed has an open connection. */
  get connected(): boolean {
    return [...this.open.values()].every((names) => names.size > 0);
  }

  /** Stops the feeds, then flushes and closes the publisher. Idempotent; every step runs. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const results = await Promise.allSettled(this.options.feeds.map((feed) => feed.stop()));
    for (const remove of this.removers) remove();
    for (const gap of this.dropped.endAll()) this.publishSpoolGap(gap);
    results.push(...(await Promise.allSettled([this.publisher.close()])));
    // Dropped by the close itself (memory left over, spool budget spent): no stream can take the gap now.
    for (const gap of this.dropped.endAll()) {
      this.options.logger.error({ ...gap }, 'spool full at stop: trades dropped, gap not published');
    }
    try {
      this.options.spool?.close();
    } catch (error) {
      results.push({ status: 'rejected', reason: error });
    }
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      throw new Error(`ingestor stop: ${failures.map((f) => String(f.reason)).join('; ')}`);
    }
  }

  /**
   * An if-chain rather than a switch: an event kind a venue adds later (and this ingestor does not
   * publish yet) is ignored on purpose instead of failing the exhaustiveness lint of every other venue.
   */
  private onEvent(feed: LiveFeed, event: FeedEvent): void {
    if (event.type === 'trade') this.onTrade(event.trade);
    else if (event.type === 'quote') this.onQuote(event.quote);
    else if (event.type === 'amendment') this.onAmendment(event.amendment);
    else if (event.type === 'gap') this.onGap(event.gap);
    else if (event.type === 'reject') this.onReject(event.reject);
    else if (event.type === 'connected') {
      this.open.get(feed)?.add(event.connection);
      this.options.logger.info({ venue: event.venue, connection: event.connection }, 'venue connected');
    } else if (event.type === 'disconnected') {
      this.open.get(feed)?.delete(event.connection);
      if (event.unexpected) this.options.metrics.reconnect(event.venue);
      const { venue, connection, cause, retryInMs } = event;
      this.options.logger.warn(
        { venue, connection, cause, retryInMs },
        `venue disconnected: ${event.reason}`,
      );
    } else if (event.type === 'venueError') {
      this.options.logger.warn({ venue: event.venue, code: event.code }, `venue error: ${event.message}`);
    }
  }

  private onTrade(trade: Trade): void {
    const key = this.streamKey(this.tickKeys, trade, (i) => this.tickKey(i));
    const record = this.options.clock === 'event' ? { ...trade, recvTs: trade.ts } : trade;
    this.publish(key, record);
    this.latency.add(key, trade.ts);
    this.counts.trades++;
    this.options.metrics.trade(trade.venue, trade.symbol);
  }

  /** To `corrections:{venue:SYMBOL}`, in arrival order; the tick stream keeps the original trade. */
  private onAmendment(amendment: TradeAmendment): void {
    const key = this.streamKey(this.correctionKeys, amendment, (i) => this.options.keys.corrections(i));
    const record = this.options.clock === 'event' ? { ...amendment, recvTs: amendment.ts } : amendment;
    this.publish(key, record);
    this.counts.amendments++;
  }

  private onQuote(quote: Quote): void {
    const key = this.streamKey(this.quoteKeys, quote, (i) => this.options.keys.quotes(i));
    this.publish(key, this.options.clock === 'event' ? { ...quote, recvTs: quote.ts } : quote);
    this.counts.quotes++;
  }

  private onGap(gap: FeedGap): void {
    const { venue, symbols, cause, fromTs, toTs, fromId, toId, missing, connection } = gap;
    const record = { venue, symbols, cause, from: fromTs, to: toTs, fromId, toId, missing, connection };
    this.publish(this.options.keys.gaps(), record);
    this.counts.gaps++;
    this.options.metrics.gap(venue);
    this.options.logger.warn({ ...record }, `feed gap (${cause}) on ${symbols.join(',')}`);
  }

  private onReject(reject: FeedReject): void {
    const { venue, raw, reason, recvTs, connection } = reject;
    this.publish(this.options.keys.dlq(venue), { venue, raw, reason, time: recvTs, connection });
    this.counts.rejects++;
    this.options.metrics.reject(venue, reason);
  }

  private publish(key: string, record: unknown): void {
    // Rejects only once closed, and the listeners are removed before that; with a spool it never waits.
    void this.publisher.publish(key, record);
  }

  private tickKey(instrument: { venue: string; symbol: string }): string {
    const key = this.options.keys.ticks(instrument);
    this.tickKeySet.add(key);
    return key;
  }

  /** Memory and spool budget both spent: trades open or extend a gap; anything else can only be logged. */
  private onDrop(key: string, records: readonly unknown[]): void {
    if (this.tickKeySet.has(key)) {
      this.dropped.add(key, records as readonly Trade[]);
      return;
    }
    const details = { stream: key, count: records.length };
    // A dropped gap record is itself the report of lost data: log it whole so an operator can repair it.
    const logged = key === this.options.keys.gaps() ? { ...details, records } : details;
    this.options.logger.error(logged, 'records dropped: publisher memory and spool budget are spent');
  }

  private publishSpoolGap(gap: SpoolGap | undefined): void {
    if (!gap) return;
    this.publish(this.options.keys.gaps(), gap);
    this.counts.gaps++;
    this.options.metrics.gap(gap.venue);
    this.options.logger.warn({ ...gap }, `spool full: ${gap.missing} trades of ${gap.symbols[0]} dropped`);
  }

  /** Per venue, then per symbol: no string is built per record (this runs once per trade). */
  private streamKey(
    cache: Map<string, Map<string, string>>,
    record: { venue: string; symbol: string },
    build: (i: { venue: string; symbol: string }) => string,
  ): string {
    let bySymbol = cache.get(record.venue);
    if (bySymbol === undefined) cache.set(record.venue, (bySymbol = new Map<string, string>()));
    let key = bySymbol.get(record.symbol);
    if (key === undefined) bySymbol.set(record.symbol, (key = build(record)));
    return key;
  }
}
