import { isMultipleOf, type Bar, type Timeframe, type Trade } from '@tickline/core';
import { AggregationError } from './aggregationError';
import { type TimeAggregatorState } from './aggregatorState';
import { barGrid, specName, type TimeBarSpec } from './barGrid';
import { type AggregationEvent, type AggregationStats } from './events';
import { qualityRules, type ExternalEvidence, type QualityRules } from './quality';
import { saleConditionUpdates, UPDATES_ALL } from './saleConditions';
import { TimeLane, type LaneSettings } from './timeLane';
import { tradeAt, type TradeColumns } from './tradeColumns';
import { ACCEPTED, DUPLICATE, TradeGate, type GateOptions, type Verdict } from './tradeGate';

export interface TimeBarAggregatorOptions extends GateOptions {
  venue: Bar['venue'];
  symbol: string;
  /** The series to build, e.g. ['1m', '5m', '1h'] or [{ kind: 'equity-day' }]; one per output timeframe. */
  timeframes: readonly TimeBarSpec[];
  /** Publish a flat bar at the previous close, flagged 'filled', for every empty interval. Default false. */
  fill?: boolean;
  /** Written on every bar. Default 'live'. */
  source?: string;
  /** Weights and thresholds of the quality rules (docs/quality.md). Default DEFAULT_QUALITY_RULES. */
  qualityRules?: Partial<QualityRules>;
  /**
   * Evidence about a final bar that the trades do not carry: feed gaps overlapping it, the same bar
   * from a second source. Must be pure (same bar, same answer) for snapshots to replay exactly.
   */
  evidence?: (bar: Bar) => ExternalEvidence;
  /**
   * Apply the US consolidated tape's sale-condition rules to trades that carry `conditions` (which set
   * open/high/low/close and which only add volume; docs/equity-conditions.md). Default true.
   */
  saleConditions?: boolean;
}

/**
 * Time bars of one instrument for several timeframes at once, on event time. Pure: time moves only
 * with the trades' event times and with advanceTo(); every output is an event appended to `out`.
 * The rules (watermark, lateness, revisions, de-duplication, fill) are in the package README.
 *
 * Hot path (docs/aggregation.md): a trade updates only the finest series (the base) and the series
 * that are not whole multiples of it; the others are rolled up from the base's bars as those close,
 * which gives the same bars (rollup equals direct). A trade whose base bar is already final, or whose
 * bar in a rolled-up series is, goes to that series directly, as a revision would.
 */
export class TimeBarAggregator {
  private readonly gate: TradeGate;
  /** In the order of the options (snapshots, partials). */
  private lanes: TimeLane[];
  private readonly settings: LaneSettings;
  private readonly saleConditions: boolean;
  private base!: TimeLane;
  private derived: TimeLane[] = [];
  private direct: TimeLane[] = [];
  /** Base first, so its closed bars are merged before the rolled-up series close. */
  private ordered: TimeLane[] = [];
  // Summaries of the rolled-up series, so that a trade costs two comparisons instead of a loop over
  // them: the latest interval end any of them has closed (a trade before it may be theirs directly),
  // and the earliest end at which one of them can close a bar. Kept by refresh().
  private derivedCovered = NaN;
  private derivedNextFinalEnd = Infinity;

  constructor(options: TimeBarAggregatorOptions) {
    checkTimeframes(options.timeframes);
    this.gate = new TradeGate(options.venue, options.symbol, options);
    this.saleConditions = options.saleConditions ?? true;
    this.settings = {
      venue: options.venue,
      symbol: options.symbol,
      source: options.source ?? 'live',
      fill: options.fill ?? false,
      rules: qualityRules(options.qualityRules),
      evidence: options.evidence,
    };
    this.lanes = options.timeframes.map((spec) => new TimeLane(barGrid(spec), this.settings, spec));
    const base = rollupBase(options.timeframes);
    for (const [i, spec] of options.timeframes.entries()) {
      if (
        i !== base &&
        typeof spec === 'string' &&
        isMultipleOf(spec, options.timeframes[base] as Timeframe)
      ) {
        this.lanes[i]!.rolledFrom = specName(options.timeframes[base]!);
      }
    }
    this.wire(options.timeframes);
  }

  /** Links the base to the series rolled up from it (their `rolledFrom`), the rest trade by trade. */
  private wire(specs: readonly TimeBarSpec[]): void {
    const names = specs.map(specName);
    const from = this.lanes.find((lane) => lane.rolledFrom !== undefined)?.rolledFrom;
    const baseIndex = from === undefined ? 0 : names.indexOf(from);
    const base = this.lanes[baseIndex];
    if (
      base === undefined ||
      base.rolledFrom !== undefined ||
      this.lanes.some((l) => l.rolledFrom !== undefined && l.rolledFrom !== from)
    ) {
      throw new AggregationError(
        'INVALID_STATE',
        `snapshot rolls series up from ${from}, which it does not build directly`,
      );
    }
    this.base = base;
    this.derived = this.lanes.filter((lane) => lane.rolledFrom !== undefined);
    this.direct = this.lanes.filter((lane) => lane !== base && lane.rolledFrom === undefined);
    base.targets.length = 0;
    base.targets.push(...this.derived);
    this.ordered = [base, ...this.derived, ...this.direct];
    this.refresh();
  }

  /**
   * Everything needed to continue exactly from here, as plain data (JSON or msgpack): the open bars,
   * the final bars still in the revision window, the trade ids still able to come again, the watermark,
   * the counters and the quality norms. Its size is bounded by the revision window (see README).
   */
  snapshot(): TimeAggregatorState {
    return {
      version: 1,
      kind: 'time',
      gate: this.gate.snapshot(),
      lanes: this.lanes.map((l) => l.snapshot()),
    };
  }

  /**
   * An aggregator that continues from `state` (taken with the same options): fed the trades that
   * followed the snapshot, it emits exactly what the original would have.
   */
  static restore(options: TimeBarAggregatorOptions, state: TimeAggregatorState): TimeBarAggregator {
    const aggregator = new TimeBarAggregator(options);
    const names = options.timeframes.map(specName);
    const stored = state.kind === 'time' ? state.lanes.map((lane) => lane.series) : [state.kind];
    if (state.version !== 1 || state.kind !== 'time' || names.join() !== stored.join()) {
      throw new AggregationError(
        'INVALID_STATE',
        `snapshot of series [${stored.join(', ')}] (version ${state.version}) cannot restore series [${names.join(', ')}]`,
      );
    }
    aggregator.gate.restore(state.gate);
    aggregator.lanes = options.timeframes.map((spec, i) =>
      TimeLane.restore(barGrid(spec), aggregator.settings, spec, state.lanes[i]!),
    );
    aggregator.wire(options.timeframes);
    return aggregator;
  }

  /** Event times at or before this are covered: bars ending here or earlier are final. */
  get watermark(): number {
    return this.gate.watermark;
  }

  push(trade: Trade, out: AggregationEvent[] = []): AggregationEvent[] {
    const gate = this.gate;
    if (trade.symbol !== gate.symbol || trade.venue !== gate.venue) {
      gate.rejectOther(trade, out);
      return out;
    }
    const conditions = trade.conditions;
    const updates =
      conditions === undefined || !this.saleConditions
        ? UPDATES_ALL
        : saleConditionUpdates(conditions, trade.tape);
    const verdict = this.take(trade.ts, trade.recvTs, trade.price, trade.size, trade.id, updates, out);
    if (verdict > DUPLICATE) gate.reject(out, trade, verdict);
    return out;
  }

  pushAll(trades: readonly Trade[], out: AggregationEvent[] = []): AggregationEvent[] {
    for (const trade of trades) this.push(trade, out);
    return out;
  }

  /**
   * Rows `from` to `to` (exclusive) of trade columns, all of this aggregator's instrument (they are not
   * checked against it): the same as pushing them as Trades, without a Trade object per row.
   *
   * The common row is handled inline (docs/aggregation.md, "The columns loop"): not a duplicate, not too
   * late nor from the future, inside the base series' current open bar, which no rolled-up series has
   * closed, with no sale conditions and no series built trade by trade. That is take() unrolled for
   * that case, so the row's numbers stay in registers: passed to a function V8 does not inline, each
   * becomes a heap number, which cost more than the aggregation. Every other row goes through take().
   */
  pushColumns(
    columns: TradeColumns,
    from = 0,
    to = columns.ts.length,
    out: AggregationEvent[] = [],
  ): AggregationEvent[] {
    const conditions = columns.conditions;
    if ((conditions !== undefined && this.saleConditions) || this.direct.length > 0) {
      for (let i = from; i < to; i++) this.takeRow(columns, i, out);
      return out;
    }
    for (let i = from; i < to;) {
      const next = this.commonRows(columns, i, to, out);
      if (next < 0) {
        i = ~next; // bars were closed: carry on from there
      } else {
        if (next < to) this.takeRow(columns, next, out);
        i = next + 1;
      }
    }
    return out;
  }

  /**
   * pushColumns' inline loop: takes rows from `from` on while they are common ones and returns the
   * index of the first that is not (or `to`), for the caller to take; or, when a row has moved the
   * watermark far enough to close bars, closes them and returns ~(the next row). The state a common row
   * changes (the gate's times and count, the base bar's figures) is held in locals for the run and
   * written back before anything else can read it. The rows it cannot take are taken by the caller,
   * outside this loop, so that V8 spends its inlining budget here on the small calls a row makes.
   */
  private commonRows(columns: TradeColumns, from: number, to: number, out: AggregationEvent[]): number {
    const base = this.base;
    const slot = base.current;
    if (slot === undefined || slot.final) return from;
    const { ts, recvTs, price, size, id } = columns;
    const gate = this.gate;
    const ids = gate.ids;
    const { lateness, window, maxFuture } = gate;
    const { start, end } = slot;
    // Constant until bars close, which ends the run.
    const derivedCovered = this.derivedCovered;
    const nextFinalEnd = Math.min(base.nextFinalEnd, this.derivedNextFinalEnd);
    let { newest, watermark, accepted } = gate;
    let { open, high, low, close, volume, notional, trades, firstTs, lastTs, maxGap, outOfOrder } = slot;
    let i = from;
    let closing = false;
    for (; i < to; i++) {
      const t = ts[i]!;
      if (
        !(t >= start && t < end) ||
        t < derivedCovered ||
        t < watermark - window ||
        t > recvTs[i]! + maxFuture
      ) {
        break;
      }
      const tradeId = id[i]!;
      // A duplicate has its original's time, so a trade newer than all others needs no look-up.
      if (t <= newest && ids.maybeSeen(t) && ids.has(tradeId, t)) break;
      // Accepted: TradeGate.verdict() with advance()...
      if (!ids.addToCurrent(tradeId, t)) ids.add(tradeId, t);
      const before = newest;
      if (t > newest) {
        newest = t;
        if (t - lateness > watermark) {
          watermark = t - lateness;
          if (watermark - window >= ids.nextForget) ids.forgetBefore(watermark - window);
        }
      }
      accepted++;
      // ...then TimeLane.add() on the open base bar with BarBuilder.add(), spelled out.
      if (trades > 0 && t - lastTs > maxGap) maxGap = t - lastTs;
      if (t < before) outOfOrder++;
      const p = price[i]!;
      const q = size[i]!;
      if (p > high) high = p;
      if (p < low) low = p;
      if (t < firstTs) {
        firstTs = t;
        open = p;
      }
      if (t >= lastTs) {
        lastTs = t;
        close = p;
      }
      volume += q;
      notional += p * q;
      trades++;
      // take()'s closing check.
      if (watermark >= nextFinalEnd) {
        closing = true;
        i++;
        break;
      }
    }
    gate.newest = newest;
    gate.watermark = watermark;
    gate.accepted = accepted;
    slot.open = open;
    slot.high = high;
    slot.low = low;
    slot.close = close;
    slot.volume = volume;
    slot.notional = notional;
    slot.trades = trades;
    slot.firstTs = firstTs;
    slot.lastTs = lastTs;
    slot.maxGap = maxGap;
    slot.outOfOrder = outOfOrder;
    if (!closing) return i;
    this.finalize(watermark, out);
    return ~i;
  }

  /** Row `i` of `columns` through take(), its sale conditions applied. */
  private takeRow(columns: TradeColumns, i: number, out: AggregationEvent[]): void {
    const conditions = columns.conditions;
    const updates =
      conditions !== undefined && this.saleConditions
        ? saleConditionUpdates(conditions[i], columns.tape?.[i])
        : UPDATES_ALL;
    const verdict = this.take(
      columns.ts[i]!,
      columns.recvTs[i]!,
      columns.price[i]!,
      columns.size[i]!,
      columns.id[i]!,
      updates,
      out,
    );
    if (verdict > DUPLICATE) {
      this.gate.reject(out, tradeAt(columns, i, this.settings.venue, this.settings.symbol), verdict);
    }
  }

  /** One trade of this instrument, after the sale conditions: the per-trade work, in plain code. */
  private take(
    ts: number,
    recvTs: number,
    price: number,
    size: number,
    id: string,
    updates: number,
    out: AggregationEvent[],
  ): Verdict {
    const gate = this.gate;
    const outOfOrder = ts < gate.newest;
    const verdict = gate.verdict(ts, recvTs, id);
    if (verdict !== ACCEPTED) {
      if (verdict === DUPLICATE) this.countDuplicate(ts);
      return verdict;
    }
    // A summary print (updates nothing) is accepted, so its id is known, but joins no bar.
    const base = this.base;
    if (updates !== 0) {
      const late = base.add(price, size, ts, outOfOrder, updates, out);
      if (late || ts < this.derivedCovered) {
        for (const lane of this.derived) {
          if (late || ts < lane.covered) lane.add(price, size, ts, outOfOrder, updates, out);
        }
        this.refresh();
      }
      for (const lane of this.direct) lane.add(price, size, ts, outOfOrder, updates, out);
    }
    const watermark = gate.watermark;
    if (watermark >= base.nextFinalEnd || watermark >= this.derivedNextFinalEnd)
      this.finalize(watermark, out);
    for (const lane of this.direct) {
      if (watermark >= lane.nextFinalEnd) lane.finalize(watermark, gate.revisable, out);
    }
    return ACCEPTED;
  }

  /** Closes what `watermark` passes in the base, then (after its bars were merged) in the rolled-up series. */
  private finalize(watermark: number, out: AggregationEvent[]): void {
    const revisable = this.gate.revisable;
    if (watermark >= this.base.nextFinalEnd) this.base.finalize(watermark, revisable, out);
    for (const lane of this.derived) {
      if (watermark >= lane.nextFinalEnd) lane.finalize(watermark, revisable, out);
    }
    this.refresh();
  }

  private refresh(): void {
    let covered = NaN;
    let nextFinalEnd = Infinity;
    for (const lane of this.derived) {
      if (!Number.isNaN(lane.covered) && !(lane.covered <= covered)) covered = lane.covered;
      if (lane.nextFinalEnd < nextFinalEnd) nextFinalEnd = lane.nextFinalEnd;
    }
    this.derivedCovered = covered;
    this.derivedNextFinalEnd = nextFinalEnd;
  }

  /** A duplicate counts on its bar while open: a rolled-up series learns it from the base bar, if open. */
  private countDuplicate(ts: number): void {
    const inBase = this.base.countDuplicate(ts);
    for (const lane of this.derived) if (!inBase || ts < lane.covered) lane.countDuplicate(ts);
    for (const lane of this.direct) lane.countDuplicate(ts);
  }

  /**
   * Moves the watermark to `watermark` (never back) and closes what it passes: how a service
   * finalizes bars of a quiet instrument from its wall clock (now minus the allowed lateness).
   */
  advanceTo(watermark: number, out: AggregationEvent[] = []): AggregationEvent[] {
    this.gate.advance(watermark);
    const current = this.gate.watermark;
    this.finalize(current, out);
    for (const lane of this.direct) {
      if (current >= lane.nextFinalEnd) lane.finalize(current, this.gate.revisable, out);
    }
    return out;
  }

  /**
   * End of input (replay): every open bar becomes final now, whatever the watermark. A trade pushed
   * afterwards revises those bars like any late trade.
   */
  flush(out: AggregationEvent[] = []): AggregationEvent[] {
    for (const lane of this.ordered) lane.finalize(Infinity, this.gate.revisable, out);
    this.refresh();
    return out;
  }

  /** The open bars as they stand, for partial updates at whatever rate the caller chooses. */
  partials(out: AggregationEvent[] = []): AggregationEvent[] {
    for (const lane of this.lanes) {
      if (lane.rolledFrom === undefined) lane.partials(out);
      else lane.partialsOver(this.base, out);
    }
    return out;
  }

  stats(): AggregationStats {
    const { accepted, duplicates, rejected } = this.gate;
    return {
      accepted,
      duplicates,
      rejected,
      outsideSession: this.lanes.reduce((sum, lane) => sum + lane.outsideSession, 0),
    };
  }
}

function checkTimeframes(specs: readonly TimeBarSpec[]): void {
  if (specs.length === 0) throw new AggregationError('INVALID_OPTIONS', 'timeframes must name at least one');
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const timeframe = barGrid(spec).timeframe;
    const other = seen.get(timeframe);
    if (other !== undefined) {
      throw new AggregationError(
        'INVALID_OPTIONS',
        `timeframes ${other} and ${specName(spec)} both write ${timeframe} bars: keep one`,
      );
    }
    seen.set(timeframe, specName(spec));
  }
}

/**
 * The series the others roll up from: the UTC series of which the most others are whole multiples
 * (the first such); equity days and series that are no multiple of it are built trade by trade.
 */
function rollupBase(specs: readonly TimeBarSpec[]): number {
  let best = 0;
  let bestCount = -1;
  for (const [i, lower] of specs.entries()) {
    if (typeof lower !== 'string') continue;
    const count = specs.filter((s, j) => j !== i && typeof s === 'string' && isMultipleOf(s, lower)).length;
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  }
  return best;
}
