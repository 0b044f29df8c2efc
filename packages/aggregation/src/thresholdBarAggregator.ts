import { type Bar, type Trade } from '@tickline/core';
import { AggregationError } from './aggregationError';
import { builderState, copyBuilder, type ThresholdAggregatorState } from './aggregatorState';
import { BarBuilder, ohlcv } from './barBuilder';
import { type AggregationEvent, type AggregationStats } from './events';
import { TradeGate, type GateOptions } from './tradeGate';

/** When a threshold bar closes: after N trades, after a volume, or after a notional (price * size). */
export type ThresholdSpec =
  | { kind: 'tick'; trades: number }
  | { kind: 'volume'; volume: number }
  | { kind: 'dollar'; notional: number };

/**
 * A bar that closes on activity rather than time. Core's Bar only knows time timeframes, so this one
 * names its spec instead; `start` is its first trade's time and `end` one ms after its last.
 */
export type ThresholdBar = Omit<Bar, 'timeframe' | 'end'> & { spec: ThresholdSpec; end: number };

export interface ThresholdBarAggregatorOptions extends Omit<GateOptions, 'revisionWindowMs'> {
  venue: Bar['venue'];
  symbol: string;
  spec: ThresholdSpec;
  /** Written on every bar. Default 'live'. */
  source?: string;
}

/**
 * Tick, volume and dollar bars of one instrument. Trades are held back until the watermark passes
 * them and then fed in event-time order (stable for equal times), so the bars do not depend on
 * arrival order. The trade that reaches the threshold completes its bar whole: sizes are never split,
 * so a volume or dollar bar usually overshoots its threshold. There are no revisions (one late trade
 * would shift every later boundary): a trade behind the watermark is rejected as too late.
 */
export class ThresholdBarAggregator {
  private readonly gate: TradeGate;
  private readonly spec: ThresholdSpec;
  private pending: Trade[] = [];
  private head = 0;
  private builder = new BarBuilder();

  constructor(private readonly options: ThresholdBarAggregatorOptions) {
    this.spec = checkSpec(options.spec);
    this.gate = new TradeGate(options.venue, options.symbol, { ...options, revisionWindowMs: 0 });
  }

  get watermark(): number {
    return this.gate.watermark;
  }

  /** Plain data to continue exactly from here: watermark, ids, the held trades and the open bar. */
  snapshot(): ThresholdAggregatorState {
    const builder = builderState(this.builder);
    if (this.builder.trades === 0) Object.assign(builder, EMPTY_BUILDER);
    const pending = this.pending.slice(this.head);
    return { version: 1, kind: 'threshold', gate: this.gate.snapshot(), pending, builder };
  }

  static restore(
    options: ThresholdBarAggregatorOptions,
    state: ThresholdAggregatorState,
  ): ThresholdBarAggregator {
    if (state.version !== 1 || state.kind !== 'threshold') {
      throw new AggregationError('INVALID_STATE', `not a threshold aggregator snapshot: ${state.kind}`);
    }
    const aggregator = new ThresholdBarAggregator(options);
    aggregator.gate.restore(state.gate);
    aggregator.pending = state.pending.map((trade) => ({ ...trade }));
    if (state.builder.trades > 0) copyBuilder(state.builder, aggregator.builder);
    return aggregator;
  }

  push(trade: Trade, out: AggregationEvent<ThresholdBar>[] = []): AggregationEvent<ThresholdBar>[] {
    if (this.gate.admit(trade, out)) {
      this.hold(trade);
      this.release(this.gate.watermark, out);
    }
    return out;
  }

  pushAll(
    trades: readonly Trade[],
    out: AggregationEvent<ThresholdBar>[] = [],
  ): AggregationEvent<ThresholdBar>[] {
    for (const trade of trades) this.push(trade, out);
    return out;
  }

  advanceTo(watermark: number, out: AggregationEvent<ThresholdBar>[] = []): AggregationEvent<ThresholdBar>[] {
    this.gate.advance(watermark);
    this.release(this.gate.watermark, out);
    return out;
  }

  /** End of input: feeds every held trade, then publishes the unfinished bar as final, flagged 'incomplete'. */
  flush(out: AggregationEvent<ThresholdBar>[] = []): AggregationEvent<ThresholdBar>[] {
    this.release(Infinity, out);
    if (this.builder.trades > 0) {
      out.push({ kind: 'final', bar: this.toBar('incomplete') });
      this.builder = new BarBuilder();
    }
    return out;
  }

  /** The bar being built, if it has trades (held-back trades are not in it yet). */
  partials(out: AggregationEvent<ThresholdBar>[] = []): AggregationEvent<ThresholdBar>[] {
    if (this.builder.trades > 0) out.push({ kind: 'partial', bar: this.toBar('partial') });
    return out;
  }

  stats(): AggregationStats {
    const { accepted, duplicates, rejected } = this.gate;
    return { accepted, duplicates, rejected, outsideSession: 0 };
  }

  /** Keeps `pending` sorted by time, after any trade of the same time (arrival order breaks ties). */
  private hold(trade: Trade): void {
    const pending = this.pending;
    let low = this.head;
    let high = pending.length;
    if (high === low || pending[high - 1]!.ts <= trade.ts) {
      pending.push(trade);
      return;
    }
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (pending[mid]!.ts <= trade.ts) low = mid + 1;
      else high = mid;
    }
    pending.splice(low, 0, trade);
  }

  private release(watermark: number, out: AggregationEvent<ThresholdBar>[]): void {
    const pending = this.pending;
    let head = this.head;
    while (head < pending.length && pending[head]!.ts < watermark) {
      const trade = pending[head++]!;
      this.builder.add(trade.price, trade.size, trade.ts);
      if (this.reached()) {
        out.push({ kind: 'final', bar: this.toBar('final') });
        this.builder = new BarBuilder();
      }
    }
    if (head === pending.length) {
      pending.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > pending.length) {
      pending.splice(0, head);
      head = 0;
    }
    this.head = head;
  }

  private reached(): boolean {
    const spec = this.spec;
    switch (spec.kind) {
      case 'tick':
        return this.builder.trades >= spec.trades;
      case 'volume':
        return this.builder.volume >= spec.volume;
      case 'dollar':
        return this.builder.notional >= spec.notional;
    }
  }

  /** 'partial' for the bar being built, 'incomplete' for it as published by flush(). */
  private toBar(state: 'final' | 'partial' | 'incomplete'): ThresholdBar {
    const { venue, symbol, source = 'live' } = this.options;
    const builder = this.builder;
    const flags = state === 'incomplete' ? [{ code: 'incomplete', penalty: 0, detail: INCOMPLETE }] : [];
    return {
      venue,
      symbol,
      spec: this.spec,
      start: builder.firstTs,
      end: builder.lastTs + 1,
      ...ohlcv(builder),
      final: state !== 'partial',
      revision: 0,
      quality: { score: 1, flags },
      source,
    };
  }
}

const INCOMPLETE = 'input ended below the threshold';

// An empty builder holds non-finite values JSON cannot carry; a snapshot writes zeros instead.
const EMPTY_BUILDER = { open: 0, high: 0, low: 0, close: 0, firstTs: 0, lastTs: 0 };

function checkSpec(spec: ThresholdSpec): ThresholdSpec {
  const value = spec.kind === 'tick' ? spec.trades : spec.kind === 'volume' ? spec.volume : spec.notional;
  const whole = spec.kind !== 'tick' || Number.isInteger(value);
  if (!(Number.isFinite(value) && value > 0 && whole)) {
    throw new AggregationError(
      'INVALID_OPTIONS',
      `${spec.kind} bar threshold must be a positive ${spec.kind === 'tick' ? 'whole ' : ''}number, got ${value}`,
    );
  }
  return { ...spec };
}
