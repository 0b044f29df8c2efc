import { type Bar, type BarQuality, type QualityFlag } from '@tickline/core';
import { builderState, copyBuilder, num, stored, type LaneState, type SlotState } from './aggregatorState';
import { BarBuilder, barOf, closeOf, ohlcv } from './barBuilder';
import { specName, type BarGrid, type TimeBarSpec } from './barGrid';
import { type AggregationEvent } from './events';
import { scoreWith, type BarEvidence, type ExternalEvidence, type QualityRules } from './quality';
import { RunningNorm } from './runningNorm';
import { UPDATES_ALL, UPDATES_EXTREMES, UPDATES_LAST, UPDATES_VOLUME } from './saleConditions';

/** The quality of a final bar until it is scored (never published: scoring replaces it). */
const UNSCORED: BarQuality = Object.freeze({
  score: 1,
  flags: Object.freeze([]) as unknown as QualityFlag[],
});

/** One interval's builder plus its place in the bar's life and its quality evidence. */
export class BarSlot extends BarBuilder {
  final = false;
  /** -1 for a bar created inside an already closed interval until it is first published. */
  revision = 0;
  filled = false;
  /** Trades that arrived after a trade with a later event time. */
  outOfOrder = 0;
  /** Repeated deliveries of a trade of this bar while it was open. */
  duplicates = 0;
  /** Longest silence between trades taken in arrival order (see docs/quality.md, stale). */
  maxGap = 0;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super();
  }
}

/** What every bar of a lane shares. */
export interface LaneSettings {
  venue: Bar['venue'];
  symbol: string;
  source: string;
  fill: boolean;
  /** Weights and thresholds of the quality rules, defaults applied. */
  rules: QualityRules;
  /** What the service knows about a bar (feed gaps, a second source); pure. */
  evidence: ((bar: Bar) => ExternalEvidence) | undefined;
}

/**
 * The bars of one series (one grid) of one instrument: the open ones, and the final ones still inside
 * the revision window. Invariant: `closed` (final or filled, sorted) all lie before `covered`, `open`
 * (sorted) all at or after it; `covered` is the end of the last interval closed, as a bar or as missing.
 */
export class TimeLane {
  /** Nothing can close before the watermark reaches this; the aggregator checks it per trade. */
  nextFinalEnd = Infinity;
  outsideSession = 0;
  private readonly open: BarSlot[] = [];
  private readonly closed: BarSlot[] = [];
  /** The bar the last trade went to (TimeBarAggregator.pushColumns adds to it directly). */
  current: BarSlot | undefined;
  /** End of the last interval closed (NaN before the first): trades before it revise or are late. */
  covered = NaN;
  /**
   * Set on a series rolled up from a finer one (`rolledFrom` names it): it receives that series'
   * bars as they close instead of every trade; see TimeBarAggregator.
   */
  rolledFrom: string | undefined;
  /** The series rolled up from this one: each closed bar is merged into them. */
  readonly targets: TimeLane[] = [];
  private tradeNorm = new RunningNorm();
  private rangeNorm = new RunningNorm();
  private readonly evidence: BarEvidence = {
    end: NaN,
    tradeNorm: undefined,
    rangeNorm: undefined,
    previousClose: undefined,
    outOfOrder: 0,
    duplicates: 0,
    maxSilenceMs: 0,
    filled: false,
    gaps: undefined,
    reference: undefined,
  };

  constructor(
    private readonly grid: BarGrid,
    private readonly settings: LaneSettings,
    private readonly spec: TimeBarSpec,
  ) {}

  /** The slot a trade at `ts` goes to (undefined outside the session); caches the last one. */
  slot(ts: number): BarSlot | undefined {
    const slot = this.current;
    if (slot !== undefined && ts >= slot.start && ts < slot.end) return slot;
    // Trades around a boundary alternate between two open bars: find them without the grid.
    const open = this.open;
    for (let i = 0; i < open.length; i++) {
      const candidate = open[i]!;
      if (ts >= candidate.start && ts < candidate.end) {
        this.current = candidate;
        return candidate;
      }
    }
    const found = this.slotFor(ts);
    if (found !== undefined) this.current = found;
    return found;
  }

  /**
   * Adds a trade; `updates` (UPDATES_* bits, from its sale conditions) says which figures it may set.
   * True when its bar was already final (the trade revised it, or made a late bar).
   */
  add(
    price: number,
    size: number,
    ts: number,
    outOfOrder: boolean,
    updates: number,
    out: AggregationEvent[],
  ): boolean {
    const slot = this.slot(ts);
    if (slot === undefined) return false;
    if (slot.trades > 0 && ts - slot.lastTs > slot.maxGap) slot.maxGap = ts - slot.lastTs;
    if (outOfOrder) slot.outOfOrder++;
    if (updates === UPDATES_ALL) slot.add(price, size, ts);
    else {
      const extremes = (updates & UPDATES_EXTREMES) !== 0;
      slot.addEligible(
        price,
        size,
        ts,
        extremes,
        (updates & UPDATES_LAST) !== 0,
        (updates & UPDATES_VOLUME) !== 0,
      );
    }
    if (!slot.final) return false;
    this.revise(slot, out);
    return true;
  }

  /** A repeated delivery of a trade at `ts`: counted on its bar while that bar is open (then true). */
  countDuplicate(ts: number): boolean {
    const slot = this.open.find((candidate) => ts >= candidate.start && ts < candidate.end);
    if (slot !== undefined) slot.duplicates++;
    return slot !== undefined;
  }

  /**
   * A closed bar of the series this one rolls up from. Skipped when its interval here is closed
   * already: a bar opened there after that received its trades one by one (see TimeBarAggregator).
   */
  mergeClosed(lower: BarSlot): void {
    if (lower.start < this.covered) return;
    const slot = this.slot(lower.start);
    if (slot !== undefined) mergeSlot(slot, lower);
  }

  /** Closes, in order, every interval (with a bar or empty) that ends at or before `watermark`. */
  finalize(watermark: number, revisable: number, out: AggregationEvent[]): void {
    for (;;) {
      const next = this.open[0];
      const expected = Number.isNaN(this.covered) ? NaN : this.grid.nextStart(this.covered);
      if (next !== undefined && !(next.start > expected)) {
        if (next.end > watermark) break;
        this.open.shift();
        this.close(next, out);
      } else if (Number.isNaN(expected) || !this.closeEmptyRun(expected, next, watermark, out)) {
        break;
      }
    }
    this.nextFinalEnd = Number.isNaN(this.covered)
      ? (this.open[0]?.end ?? Infinity)
      : this.grid.endOf(this.grid.nextStart(this.covered));
    this.evict(revisable);
  }

  partials(out: AggregationEvent[]): void {
    for (const slot of this.open) out.push({ kind: 'partial', bar: this.toBar(slot) });
  }

  /** Partials of a rolled-up series: its open bars with the source series' open bars merged in. */
  partialsOver(source: TimeLane, out: AggregationEvent[]): void {
    const slots = new Map<number, BarSlot>();
    const add = (slot: BarSlot) => {
      const start = this.grid.startOf(slot.start);
      if (start < this.covered) return;
      let view = slots.get(start);
      if (view === undefined) {
        view = new BarSlot(start, this.grid.endOf(start));
        slots.set(start, view);
      }
      mergeSlot(view, slot);
    };
    for (const slot of this.open) add(slot);
    for (const slot of source.open) add(slot);
    for (const start of [...slots.keys()].sort((a, b) => a - b)) {
      out.push({ kind: 'partial', bar: this.toBar(slots.get(start)!) });
    }
  }

  private slotFor(ts: number): BarSlot | undefined {
    const start = this.grid.startOf(ts);
    if (Number.isNaN(start)) {
      this.outsideSession++;
      return undefined;
    }
    // No open bar holds `ts` (slot() looked): a closed one, or a new one.
    // Closed bars all lie before `covered`: a bar at or after it is new (no search through cold bars).
    const known = start < this.covered ? this.closedAt(start) : undefined;
    if (known !== undefined) return known;
    const slot = new BarSlot(start, this.grid.endOf(start));
    if (start < this.covered) {
      // A late trade in an interval already closed as missing: the bar is final at once.
      slot.final = true;
      slot.revision = -1;
      this.closed.splice(this.insertionIndex(this.closed, start), 0, slot);
    } else {
      const at = this.insertionIndex(this.open, start);
      if (at === this.open.length) this.open.push(slot);
      else this.open.splice(at, 0, slot);
      if (slot.end < this.nextFinalEnd) this.nextFinalEnd = slot.end;
    }
    return slot;
  }

  private closedAt(start: number): BarSlot | undefined {
    const index = this.insertionIndex(this.closed, start) - 1;
    const slot = this.closed[index];
    return slot?.start === start ? slot : undefined;
  }

  /** Index after every slot starting at or before `start`. */
  private insertionIndex(slots: BarSlot[], start: number): number {
    let low = 0;
    let high = slots.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (slots[mid]!.start <= start) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private close(slot: BarSlot, out: AggregationEvent[]): void {
    slot.final = true;
    const bar = this.toBar(slot);
    // The norms learn from each bar once, after it was scored against them, so an anomaly is judged
    // against the bars before it (a revision neither scores against itself nor teaches the norm).
    this.tradeNorm.add(slot.trades);
    this.rangeNorm.add(Math.log(bar.high / bar.low));
    this.closed.push(slot);
    this.covered = slot.end;
    out.push({ kind: 'final', bar });
    for (const target of this.targets) target.mergeClosed(slot);
  }

  /**
   * Reports the empty intervals from `from` up to the next open bar or the watermark, whichever is
   * first, and flat-fills them if asked. False when no whole interval is empty yet.
   */
  private closeEmptyRun(from: number, next: BarSlot | undefined, watermark: number, out: AggregationEvent[]) {
    const limit = Math.min(watermark, next?.start ?? Infinity);
    if (!Number.isFinite(limit)) return false;
    const to = this.grid.lastEndBy(limit);
    if (!(to > from)) return false;
    out.push({ kind: 'missing', timeframe: this.grid.timeframe, from, to });
    if (this.settings.fill) this.fillRun(from, to, out);
    this.covered = to;
    return true;
  }

  private fillRun(from: number, to: number, out: AggregationEvent[]): void {
    const last = this.closed.at(-1);
    const price = last === undefined ? undefined : ohlcv(last).close;
    if (price === undefined) return;
    for (let start = from; start < to; start = this.grid.nextStart(this.grid.endOf(start))) {
      const slot = new BarSlot(start, this.grid.endOf(start));
      slot.fillFlat(price);
      slot.filled = true;
      slot.final = true;
      this.closed.push(slot);
      out.push({ kind: 'final', bar: this.toBar(slot) });
    }
  }

  /** A final bar took a late trade: publish the next revision, and re-price the fills that follow it. */
  private revise(slot: BarSlot, out: AggregationEvent[]): void {
    slot.filled = false;
    this.publishRevision(slot, out);
    let index = this.insertionIndex(this.closed, slot.start);
    for (let fill = this.closed[index]; fill?.filled === true; fill = this.closed[++index]) {
      const close = ohlcv(slot).close;
      if (fill.close === close) break;
      fill.fillFlat(close);
      this.publishRevision(fill, out);
    }
  }

  private publishRevision(slot: BarSlot, out: AggregationEvent[]): void {
    slot.revision++;
    out.push({ kind: slot.revision === 0 ? 'final' : 'revision', bar: this.toBar(slot) });
  }

  /** Forgets final bars that no accepted trade can reach any more, keeping the last for its close. */
  private evict(revisable: number): void {
    const closed = this.closed;
    let count = 0;
    while (count < closed.length - 1 && closed[count]!.end <= revisable) count++;
    // One shift at a time (V8 moves the array's start instead of its elements); splice would allocate
    // the removed run, once a bar.
    for (let k = 0; k < count; k++) closed.shift();
  }

  private toBar(slot: BarSlot): Bar {
    const settings = this.settings;
    const final = slot.final;
    // Partial bars are not scored: their evidence is still growing. A final bar's quality is replaced
    // by its score below (the shared placeholder is what the evidence provider sees meanwhile).
    const quality = final ? UNSCORED : { score: 1, flags: [] };
    const bar = barOf(
      slot,
      settings.venue,
      settings.symbol,
      this.grid.timeframe,
      slot.start,
      this.grid.explicitEnd ? slot.end : undefined,
      final,
      slot.revision,
      quality,
      settings.source,
    );
    if (!final) return bar;
    const external = settings.evidence?.(bar);
    // One evidence object per lane, filled anew for each bar: scoring reads it and keeps nothing.
    const evidence = this.evidence;
    evidence.end = slot.end;
    // Views, read only while scoring below (the norms learn from this bar after it is scored).
    evidence.tradeNorm = this.tradeNorm.view();
    evidence.rangeNorm = this.rangeNorm.view();
    evidence.outOfOrder = slot.outOfOrder;
    evidence.duplicates = slot.duplicates;
    evidence.maxSilenceMs = slot.filled ? 0 : silence(slot);
    evidence.filled = slot.filled;
    evidence.previousClose = this.previousClose(slot);
    evidence.gaps = external?.gaps;
    evidence.reference = external?.reference;
    bar.quality = scoreWith(bar, evidence, settings.rules);
    return bar;
  }

  private previousClose(slot: BarSlot): number | undefined {
    // A bar closing in order follows the last closed one: no search through the older (cold) bars.
    const last = this.closed[this.closed.length - 1];
    if (last !== undefined && last.start < slot.start) return closeOf(last);
    const index = this.insertionIndex(this.closed, slot.start - 1) - 1;
    const previous = this.closed[index];
    return previous === undefined || previous === slot ? undefined : closeOf(previous);
  }

  snapshot(): LaneState {
    return {
      series: specName(this.spec),
      ...(this.rolledFrom === undefined ? {} : { rolledFrom: this.rolledFrom }),
      open: this.open.map(slotState),
      closed: this.closed.map(slotState),
      covered: stored(this.covered),
      nextFinalEnd: stored(this.nextFinalEnd),
      outsideSession: this.outsideSession,
      tradeNorm: this.tradeNorm.state(),
      rangeNorm: this.rangeNorm.state(),
    };
  }

  static restore(grid: BarGrid, settings: LaneSettings, spec: TimeBarSpec, state: LaneState): TimeLane {
    const lane = new TimeLane(grid, settings, spec);
    lane.open.push(...state.open.map(restoreSlot));
    lane.closed.push(...state.closed.map(restoreSlot));
    lane.covered = num(state.covered, NaN);
    lane.nextFinalEnd = num(state.nextFinalEnd, Infinity);
    lane.outsideSession = state.outsideSession;
    lane.tradeNorm = RunningNorm.from(state.tradeNorm);
    lane.rangeNorm = RunningNorm.from(state.rangeNorm);
    lane.rolledFrom = state.rolledFrom;
    return lane;
  }
}

/**
 * Merges a closed bar of the finer series into `slot`, evidence included. The silence between the two
 * is measured in time order (the finer bars' trades are no longer in arrival order here).
 */
function mergeSlot(slot: BarSlot, lower: BarSlot): void {
  let gap = Math.max(slot.maxGap, lower.maxGap);
  const between = lower.firstTs - slot.lastTs;
  if (slot.trades > 0 && lower.trades > 0 && Number.isFinite(between) && between > gap) gap = between;
  slot.maxGap = gap;
  slot.merge(lower);
  slot.outOfOrder += lower.outOfOrder;
  slot.duplicates += lower.duplicates;
}

/** Longest stretch without a trade: before the first, between two (in arrival order), after the last. */
function silence(slot: BarSlot): number {
  if (slot.trades === 0) return slot.end - slot.start;
  return Math.max(slot.firstTs - slot.start, slot.maxGap, slot.end - 1 - slot.lastTs);
}

function slotState(slot: BarSlot): SlotState {
  const { start, end, final, revision, filled, outOfOrder, duplicates, maxGap } = slot;
  const state = {
    ...builderState(slot),
    start,
    end,
    final,
    revision,
    filled,
    outOfOrder,
    duplicates,
    maxGap,
  };
  return withStoredExtremes(state);
}

// An unpriced builder holds ±Infinity and NaN, which JSON cannot carry: stored as null.
function withStoredExtremes<T extends SlotState>(state: T): T {
  for (const field of ['open', 'high', 'low', 'close', 'firstTs', 'lastTs'] as const) {
    (state as Record<string, unknown>)[field] = stored(state[field]);
  }
  return state;
}

function restoreSlot(state: SlotState): BarSlot {
  const slot = new BarSlot(state.start, state.end);
  copyBuilder(state, slot);
  const raw = state as unknown as Record<string, number | null>;
  slot.open = num(raw.open ?? null, NaN);
  slot.close = num(raw.close ?? null, NaN);
  slot.high = num(raw.high ?? null, -Infinity);
  slot.low = num(raw.low ?? null, Infinity);
  slot.firstTs = num(raw.firstTs ?? null, Infinity);
  slot.lastTs = num(raw.lastTs ?? null, -Infinity);
  slot.final = state.final;
  slot.revision = state.revision;
  slot.filled = state.filled;
  slot.outOfOrder = state.outOfOrder;
  slot.duplicates = state.duplicates;
  slot.maxGap = state.maxGap;
  return slot;
}
