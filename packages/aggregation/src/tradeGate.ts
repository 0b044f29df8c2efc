import { type Trade, type Venue } from '@tickline/core';
import { AggregationError } from './aggregationError';
import { type RejectionEvent, type RejectionReason } from './events';
import { num, stored, type GateState } from './aggregatorState';
import { TradeIds } from './tradeIds';

/** Settings shared by every aggregator; defaults in DEFAULT_GATE_OPTIONS. */
export interface GateOptions {
  /** How far behind the newest event time a trade may arrive and still count as on time. Default 2000 ms. */
  allowedLatenessMs?: number;
  /** How far behind the watermark a trade may be and still revise a final bar. Default 1 h. */
  revisionWindowMs?: number;
  /** A trade whose event time is this far ahead of its receive time is rejected ('future'). Default 60 s. */
  maxFutureMs?: number;
}

/** What the gate decided about a trade (see verdict()). */
export const ACCEPTED = 0;
export const DUPLICATE = 1;
export const TOO_LATE = 2;
export const FUTURE = 3;
export type Verdict = typeof ACCEPTED | typeof DUPLICATE | typeof TOO_LATE | typeof FUTURE;

export const DEFAULT_GATE_OPTIONS: Required<GateOptions> = {
  allowedLatenessMs: 2000,
  revisionWindowMs: 3_600_000,
  maxFutureMs: 60_000,
};

/**
 * Event time and de-duplication for one instrument. The watermark is the newest event time seen minus
 * the allowed lateness (or later, through advance()); it never goes back. A trade more than the
 * revision window behind the watermark is too late; ids are remembered exactly as long as a trade with
 * that id could still be accepted, so memory is bounded by the window.
 */
export class TradeGate {
  watermark = -Infinity;
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  // Read by TimeBarAggregator.pushColumns, which unrolls verdict() for the common row.
  readonly lateness: number;
  readonly window: number;
  readonly maxFuture: number;
  ids = new TradeIds();
  /** The newest event time accepted: a trade before it arrives out of order. */
  newest = -Infinity;

  constructor(
    readonly venue: Venue,
    readonly symbol: string,
    options: GateOptions,
  ) {
    const settings = { ...DEFAULT_GATE_OPTIONS, ...options };
    for (const name of ['allowedLatenessMs', 'revisionWindowMs', 'maxFutureMs'] as const) {
      const value = settings[name];
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new AggregationError(
          'INVALID_OPTIONS',
          `${name} must be a finite number of ms >= 0, got ${value}`,
        );
      }
    }
    this.lateness = settings.allowedLatenessMs;
    this.window = settings.revisionWindowMs;
    this.maxFuture = settings.maxFutureMs;
  }

  /**
   * Whether to use the trade: true, or false for a duplicate (counted) or a rejection (pushed to `out`).
   * A duplicate whose id has been forgotten is necessarily too late, so it is rejected, never counted twice.
   */
  admit(trade: Trade, out: Pick<RejectionEvent[], 'push'>): boolean {
    if (trade.symbol !== this.symbol || trade.venue !== this.venue) {
      this.rejectOther(trade, out);
      return false;
    }
    const verdict = this.verdict(trade.ts, trade.recvTs, trade.id);
    if (verdict > DUPLICATE) this.reject(out, trade, verdict);
    return verdict === ACCEPTED;
  }

  /**
   * The decision for a trade of this instrument, from its times and id alone (the hot path: no trade
   * object needed). ACCEPTED records the id and moves the watermark; DUPLICATE is counted; TOO_LATE
   * and FUTURE must be passed to reject() with the trade, before the next trade.
   */
  verdict(ts: number, recvTs: number, id: string): Verdict {
    // A duplicate has its original's time, so a trade newer than all others needs no look-up.
    if (ts <= this.newest && this.ids.has(id, ts)) {
      this.duplicates++;
      return DUPLICATE;
    }
    if (ts < this.watermark - this.window) return TOO_LATE;
    if (ts > recvTs + this.maxFuture) return FUTURE;
    this.ids.add(id, ts);
    if (ts > this.newest) {
      this.newest = ts;
      this.advance(ts - this.lateness);
    }
    this.accepted++;
    return ACCEPTED;
  }

  /** Publishes the rejection of a trade that verdict() found TOO_LATE or FUTURE. */
  reject(out: Pick<RejectionEvent[], 'push'>, trade: Trade, verdict: Verdict): void {
    if (verdict === TOO_LATE) {
      const behind = this.watermark - trade.ts;
      this.rejection(
        out,
        trade,
        'too-late',
        `event time ${behind} ms behind the watermark, past the ${this.window} ms revision window`,
      );
    } else if (verdict === FUTURE) {
      this.rejection(out, trade, 'future', `event time ${trade.ts - trade.recvTs} ms after receive time`);
    }
  }

  rejectOther(trade: Trade, out: Pick<RejectionEvent[], 'push'>): void {
    this.rejection(
      out,
      trade,
      'other-instrument',
      `trade of ${trade.venue}:${trade.symbol} sent to the aggregator of ${this.venue}:${this.symbol}`,
    );
  }

  /** Moves the watermark forward (never back), e.g. from the wall clock for a quiet instrument. */
  advance(watermark: number): void {
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    if (watermark - this.window >= this.ids.nextForget) this.ids.forgetBefore(watermark - this.window);
  }

  snapshot(): GateState {
    const { accepted, duplicates, rejected } = this;
    const ids = this.ids.entries();
    return {
      watermark: stored(this.watermark),
      newest: stored(this.newest),
      accepted,
      duplicates,
      rejected,
      ids,
    };
  }

  /** Continues from a snapshot; the options must be those the snapshot was taken with. */
  restore(state: GateState): void {
    this.watermark = num(state.watermark, -Infinity);
    this.newest = num(state.newest, -Infinity);
    this.accepted = state.accepted;
    this.duplicates = state.duplicates;
    this.rejected = state.rejected;
    this.ids = TradeIds.from(state.ids);
  }

  /** How many ids are remembered for de-duplication (for tests and metrics). */
  get rememberedIds(): number {
    return this.ids.size;
  }

  /** Event times before this are too late. */
  get revisable(): number {
    return this.watermark - this.window;
  }

  private rejection(
    out: Pick<RejectionEvent[], 'push'>,
    trade: Trade,
    reason: RejectionReason,
    detail: string,
  ): void {
    out.push({ kind: 'rejected', reason, trade, detail });
    this.rejected++;
  }
}
