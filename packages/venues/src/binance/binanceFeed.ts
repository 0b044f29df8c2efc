import { FeedBase, emptyFeedStats } from '../feed/feedBase';
import type { FeedGap, GapCause } from '../feed/feedEvents';
import { SequenceTracker } from '../feed/sequenceTracker';
import type { WsCloseInfo } from '../feed/wsConnection';
import { VenueError } from '../venueError';
import {
  resolveBinanceFeedOptions,
  type BinanceFeedOptions,
  type ResolvedBinanceFeedOptions,
} from './binanceFeedOptions';
import { mapBinanceFrame, type BinanceMessage } from './binanceMapper';
import { BinanceShard, type ShardHandlers, type ShardSlot } from './binanceShard';
import { assignStreams } from './binanceShards';
import { isBinanceSymbol, parseStreamName, streamName, type BinanceChannel } from './binanceSymbols';

type TradeMessage = Extract<BinanceMessage, { kind: 'trade' }>;

/**
 * The Binance spot live feed: trades (`trade` or `aggTrade`) and `bookTicker` quotes over combined
 * streams, sharded across connections, with gaps reported from trade ids and from every outage.
 * See the package README for the event contract.
 */
export class BinanceFeed extends FeedBase {
  readonly venue = 'binance' as const;
  private readonly options: ResolvedBinanceFeedOptions;
  private readonly tracker = new SequenceTracker();
  /** Streams whose connection went down since their last message, and why. */
  private readonly outage = new Map<string, GapCause>();
  /** Shards with no open socket since an unexpected close: since when, and why. */
  private readonly down = new Map<BinanceShard, { since: number; cause: GapCause }>();
  /** Streams we stopped wanting whose UNSUBSCRIBE is not confirmed yet: their frames are still valid. */
  private readonly draining = new Set<string>();
  private symbols: Set<string>;
  private shards: BinanceShard[] = [];
  private nextShardId = 1;
  /** Stream name per channel and symbol, built once (the trade path needs it per frame). */
  private readonly names = new Map<BinanceChannel, Map<string, string>>();
  private readonly handlers: ShardHandlers = {
    open: (shard, slot, at, url) => this.onOpen(shard, slot, at, url),
    message: (shard, slot, text, recvTs) => this.onMessage(shard, slot, text, recvTs),
    close: (shard, slot, info, covered) => this.onClose(shard, slot, info, covered),
    unsubscribed: (streams) => this.onUnsubscribed(streams),
  };

  constructor(options: BinanceFeedOptions) {
    const resolved = resolveBinanceFeedOptions(options);
    super(emptyFeedStats(), resolved.onError);
    this.options = resolved;
    this.symbols = new Set(this.options.symbols);
  }

  setSymbols(symbols: readonly string[]): void {
    const bad = symbols.filter((s) => !isBinanceSymbol(s));
    if (bad.length > 0) throw new VenueError('INVALID_OPTIONS', `not Binance symbols: ${bad.join(', ')}`);
    const next = new Set(symbols);
    for (const s of this.symbols) {
      if (!next.has(s)) for (const stream of this.streamsOf(s)) this.draining.add(stream);
    }
    for (const s of next) for (const stream of this.streamsOf(s)) this.draining.delete(stream);
    this.symbols = next;
    if (this.running) this.reshard();
  }

  protected open(): void {
    this.reshard();
  }

  protected async close(): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.stop()));
  }

  /** How many connections carry the streams now (for metrics and tests). */
  get shardCount(): number {
    return this.shards.length;
  }

  private streamsOf(symbol: string): string[] {
    const channels: BinanceChannel[] = [];
    if (this.options.trades) channels.push(this.options.trades);
    if (this.options.quotes) channels.push('bookTicker');
    return channels.map((channel) => streamName(symbol, channel));
  }

  private reshard(): void {
    const wanted = [...this.symbols].flatMap((s) => this.streamsOf(s));
    const plans = assignStreams(
      this.shards.map((shard) => ({ id: shard.id, streams: shard.streams })),
      wanted,
      this.options.maxStreamsPerConnection,
    );
    const kept = new Set(plans.map((p) => p.id));
    for (const shard of this.shards.filter((s) => !kept.has(s.id))) {
      void shard.stop().then(() => this.onUnsubscribed([...shard.streams]));
    }
    this.shards = this.shards.filter((s) => kept.has(s.id));
    for (const plan of plans) {
      const existing = this.shards.find((s) => s.id === plan.id);
      if (existing) {
        existing.setStreams(plan.streams);
        continue;
      }
      const shard = new BinanceShard(this.nextShardId++, plan.streams, this.options, this.handlers);
      this.shards.push(shard);
      shard.start();
    }
  }

  private isKnownSymbol = (symbol: string): boolean =>
    this.symbols.has(symbol) || this.streamsOf(symbol).some((s) => this.draining.has(s));

  private onMessage(shard: BinanceShard, slot: ShardSlot, text: string, recvTs: number): void {
    this.counters.frames += 1;
    const message = mapBinanceFrame(text, recvTs, { isKnownSymbol: this.isKnownSymbol });
    switch (message.kind) {
      case 'trade':
        shard.lastDataAt = recvTs;
        return this.onTrade(message, slot.name);
      case 'quote': {
        shard.lastDataAt = recvTs;
        const key = this.streamOf(message.quote.symbol, 'bookTicker');
        // Update ids are not consecutive per quote, so they only serve to drop repeats.
        if (this.tracker.observe(key, message.seq, message.quote.ts).kind === 'duplicate') {
          this.counters.duplicates += 1;
          return;
        }
        this.counters.quotes += 1;
        return this.emit({ type: 'quote', quote: message.quote });
      }
      case 'reply':
        shard.settle(slot, message.id, true);
        return;
      case 'error': {
        const request = shard.settle(slot, message.id, false);
        const about = request ? ` (${request.method} ${request.streams.join(',')})` : '';
        return this.venueError(slot, recvTs, `${message.msg}${about}`, message.code);
      }
      case 'shutdown':
        this.venueError(slot, recvTs, 'serverShutdown: rotating to a new connection');
        return shard.rotate(slot);
      case 'reject':
        this.counters.rejects += 1;
        return this.emit({
          type: 'reject',
          reject: { venue: 'binance', raw: text, reason: message.reason, recvTs, connection: slot.name },
        });
    }
  }

  private streamOf(symbol: string, channel: BinanceChannel): string {
    let names = this.names.get(channel);
    if (names === undefined) this.names.set(channel, (names = new Map<string, string>()));
    let name = names.get(symbol);
    if (name === undefined) names.set(symbol, (name = streamName(symbol, channel)));
    return name;
  }

  private onTrade(message: TradeMessage, connection: string): void {
    const { trade, channel, seq } = message;
    const key = this.streamOf(trade.symbol, channel);
    const verdict = this.tracker.observe(key, seq, trade.ts);
    if (verdict.kind === 'duplicate') {
      this.counters.duplicates += 1;
      return;
    }
    if (verdict.kind === 'gap') {
      const prefix = channel === 'aggTrade' ? 'a' : '';
      this.emitGap({
        venue: 'binance',
        symbols: [trade.symbol],
        cause: this.outage.get(key) ?? 'sequence',
        fromTs: verdict.fromTs,
        toTs: verdict.toTs,
        fromId: `${prefix}${verdict.fromId}`,
        toId: `${prefix}${verdict.toId}`,
        missing: verdict.missing,
        connection,
      });
    }
    this.outage.delete(key);
    this.counters.trades += 1;
    this.emit({ type: 'trade', trade });
  }

  private onOpen(shard: BinanceShard, slot: ShardSlot, at: number, url: string): void {
    this.reportOpen(slot.name, at, url, shard.streams.length);
    const down = this.down.get(shard);
    if (down === undefined) return;
    this.down.delete(shard);
    this.emitGap({
      venue: 'binance',
      symbols: shard.symbols,
      cause: down.cause,
      fromTs: down.since,
      toTs: at,
      connection: slot.name,
    });
  }

  private onClose(shard: BinanceShard, slot: ShardSlot, info: WsCloseInfo, covered: boolean): void {
    const unexpected = !info.planned && !covered;
    this.reportClose(slot.name, info, unexpected, covered ? undefined : info.retryInMs);
    if (!unexpected || !info.wasOpen || !this.running) return;
    this.down.set(shard, { since: Math.min(shard.lastDataAt ?? info.at, info.at), cause: info.cause });
    for (const stream of shard.streams) this.outage.set(stream, info.cause);
  }

  private onUnsubscribed(streams: string[]): void {
    for (const stream of streams) {
      const symbol = parseStreamName(stream)?.symbol;
      if (symbol !== undefined && this.symbols.has(symbol)) continue;
      this.draining.delete(stream);
      this.tracker.forget(stream);
      this.outage.delete(stream);
    }
  }

  private venueError(slot: ShardSlot, at: number, message: string, code?: number): void {
    this.emit({
      type: 'venueError',
      venue: 'binance',
      connection: slot.name,
      at,
      message,
      ...(code === undefined ? {} : { code }),
    });
  }

  private emitGap(gap: FeedGap): void {
    this.counters.gaps += 1;
    this.emit({ type: 'gap', gap });
  }
}
