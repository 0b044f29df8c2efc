/** A run of trades of one instrument that fit neither in memory nor in the spool, as a gap record. */
export interface SpoolGap {
  readonly venue: string;
  readonly symbols: string[];
  readonly cause: 'spool-full';
  /** Event time of the first dropped trade. */
  readonly from: number;
  /** Just past the last dropped trade's event time: `[from, to)` holds every dropped trade. */
  readonly to: number;
  /** First and last dropped trade ids (inclusive). */
  readonly fromId: string;
  readonly toId: string;
  readonly missing: number;
  readonly connection: 'spool';
}

interface DroppedTrade {
  readonly venue: string;
  readonly symbol: string;
  readonly ts: number;
  readonly id: string;
}

interface Span {
  venue: string;
  symbol: string;
  from: number;
  last: number;
  fromId: string;
  toId: string;
  missing: number;
}

/**
 * The open dropped span of each tick stream: the publisher reports every dropped batch (`add`) and then,
 * once a record of the stream is kept again, that the span is complete (`end`). A span is one gap record.
 * Memory: one span per stream, whatever the number of trades dropped.
 */
export class DroppedSpans {
  private readonly open = new Map<string, Span>();

  /** Trades of `key` dropped, in publish order. */
  add(key: string, trades: readonly DroppedTrade[]): void {
    for (const trade of trades) {
      const span = this.open.get(key);
      if (!span) {
        const { venue, symbol, ts, id } = trade;
        this.open.set(key, { venue, symbol, from: ts, last: ts, fromId: id, toId: id, missing: 1 });
        continue;
      }
      span.from = Math.min(span.from, trade.ts);
      span.last = Math.max(span.last, trade.ts);
      span.toId = trade.id;
      span.missing += 1;
    }
  }

  /** The complete span of `key`, if one was open. */
  end(key: string): SpoolGap | undefined {
    const span = this.open.get(key);
    if (!span) return undefined;
    this.open.delete(key);
    return toGap(span);
  }

  /** Every open span (at shutdown: what was dropped up to now). */
  endAll(): SpoolGap[] {
    return [...this.open.keys()].map((key) => this.end(key)!);
  }
}

function toGap(span: Span): SpoolGap {
  const { venue, symbol, from, last, fromId, toId, missing } = span;
  const base = { venue, symbols: [symbol], cause: 'spool-full' as const, from, to: last + 1 };
  return { ...base, fromId, toId, missing, connection: 'spool' };
}
