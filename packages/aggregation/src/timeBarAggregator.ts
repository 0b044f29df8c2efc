import { type Bar, type Trade } from '@tickline/core';
import { AggregationError } from './aggregationError';
import { type TimeAggregatorState } from './aggregatorState';
import { barGrid, specName, type TimeBarSpec } from './barGrid';
import { type AggregationEvent, type AggregationStats } from './events';
import { qualityRules, type ExternalEvidence, type QualityRules } from './quality';
import { saleConditionUpdates, UPDATES_ALL } from './saleConditions';
import { TimeLane, type LaneSettings } from './timeLane';
import { TradeGate, type GateOptions } from './tradeGate';

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
 */
export class TimeBarAggregator {
  private readonly gate: TradeGate;
  private lanes: TimeLane[];
  private readonly settings: LaneSettings;
  private readonly saleConditions: boolean;

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
    return aggregator;
  }

  /** Event times at or before this are covered: bars ending here or earlier are final. */
  get watermark(): number {
    return this.gate.watermark;
  }

  push(trade: Trade, out: AggregationEvent[] = []): AggregationEvent[] {
    const gate = this.gate;
    const outOfOrder = trade.ts < gate.newest;
    const duplicates = gate.duplicates;
    if (!gate.admit(trade, out)) {
      if (gate.duplicates !== duplicates) for (const lane of this.lanes) lane.countDuplicate(trade.ts);
      return out;
    }
    const watermark = gate.watermark;
    const conditions = trade.conditions;
    const updates =
      conditions === undefined || !this.saleConditions
        ? UPDATES_ALL
        : saleConditionUpdates(conditions, trade.tape);
    for (const lane of this.lanes) {
      // A summary print (updates nothing) is accepted, so its id is known, but joins no bar.
      if (updates !== 0) lane.add(trade.price, trade.size, trade.ts, outOfOrder, updates, out);
      if (watermark >= lane.nextFinalEnd) lane.finalize(watermark, this.gate.revisable, out);
    }
    return out;
  }

  pushAll(trades: readonly Trade[], out: AggregationEvent[] = []): AggregationEvent[] {
    for (const trade of trades) this.push(trade, out);
    return out;
  }

  /**
   * Moves the watermark to `watermark` (never back) and closes what it passes: how a service
   * finalizes bars of a quiet instrument from its wall clock (now minus the allowed lateness).
   */
  advanceTo(watermark: number, out: AggregationEvent[] = []): AggregationEvent[] {
    this.gate.advance(watermark);
    const current = this.gate.watermark;
    for (const lane of this.lanes) {
      if (current >= lane.nextFinalEnd) lane.finalize(current, this.gate.revisable, out);
    }
    return out;
  }

  /**
   * End of input (replay): every open bar becomes final now, whatever the watermark. A trade pushed
   * afterwards revises those bars like any late trade.
   */
  flush(out: AggregationEvent[] = []): AggregationEvent[] {
    for (const lane of this.lanes) lane.finalize(Infinity, this.gate.revisable, out);
    return out;
  }

  /** The open bars as they stand, for partial updates at whatever rate the caller chooses. */
  partials(out: AggregationEvent[] = []): AggregationEvent[] {
    for (const lane of this.lanes) lane.partials(out);
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
