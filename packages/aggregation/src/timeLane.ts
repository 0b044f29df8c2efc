import { type Bar, type BarQuality } from '@tickline/core';
import { BarBuilder, barFromBuilder } from './barBuilder';
import { type BarGrid } from './barGrid';
import { type AggregationEvent } from './events';

/** One interval's builder plus its place in the bar's life. */
class BarSlot extends BarBuilder {
  final = false;
  /** -1 for a bar created inside an already closed interval until it is first published. */
  revision = 0;
  filled = false;

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
  private current: BarSlot | undefined;
  private covered = NaN;

  constructor(
    private readonly grid: BarGrid,
    private readonly settings: LaneSettings,
  ) {}

  add(price: number, size: number, ts: number, out: AggregationEvent[]): void {
    let slot = this.current;
    if (slot === undefined || ts < slot.start || ts >= slot.end) {
      slot = this.slotFor(ts);
      if (slot === undefined) return;
      this.current = slot;
    }
    slot.add(price, size, ts);
    if (slot.final) this.revise(slot, out);
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

  private slotFor(ts: number): BarSlot | undefined {
    const start = this.grid.startOf(ts);
    if (Number.isNaN(start)) {
      this.outsideSession++;
      return undefined;
    }
    const known = this.open.find((slot) => slot.start === start) ?? this.closedAt(start);
    if (known !== undefined) return known;
    const slot = new BarSlot(start, this.grid.endOf(start));
    if (start < this.covered) {
      // A late trade in an interval already closed as missing: the bar is final at once.
      slot.final = true;
      slot.revision = -1;
      this.closed.splice(this.insertionIndex(this.closed, start), 0, slot);
    } else {
      this.open.splice(this.insertionIndex(this.open, start), 0, slot);
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
    this.closed.push(slot);
    this.covered = slot.end;
    out.push({ kind: 'final', bar: this.toBar(slot) });
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
    const price = this.closed.at(-1)?.close;
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
      if (fill.close === slot.close) break;
      fill.fillFlat(slot.close);
      this.publishRevision(fill, out);
    }
  }

  private publishRevision(slot: BarSlot, out: AggregationEvent[]): void {
    slot.revision++;
    out.push({ kind: slot.revision === 0 ? 'final' : 'revision', bar: this.toBar(slot) });
  }

  /** Forgets final bars that no accepted trade can reach any more, keeping the last for its close. */
  private evict(revisable: number): void {
    let count = 0;
    while (count < this.closed.length - 1 && this.closed[count]!.end <= revisable) count++;
    if (count > 0) this.closed.splice(0, count);
  }

  private toBar(slot: BarSlot): Bar {
    return barFromBuilder(slot, {
      venue: this.settings.venue,
      symbol: this.settings.symbol,
      timeframe: this.grid.timeframe,
      start: slot.start,
      ...(this.grid.explicitEnd ? { end: slot.end } : {}),
      final: slot.final,
      revision: slot.revision,
      quality: slot.filled ? filledQuality() : { score: 1, flags: [] },
      source: this.settings.source,
    });
  }
}

function filledQuality(): BarQuality {
  return {
    score: 1,
    flags: [{ code: 'filled', penalty: 0, detail: 'no trades: flat at the previous close' }],
  };
}
