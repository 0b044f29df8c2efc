import { type Bar, type Timeframe, type Trade } from '@tickline/core';

/** A bar update: 'partial' while open, 'final' once (revision 0, or the first version of a late bar), then 'revision's. */
export interface BarEvent<B = Bar> {
  kind: 'partial' | 'final' | 'revision';
  bar: B;
}

/**
 * Intervals [from, to) of one timeframe that closed without a trade. Reported once, as soon as the
 * watermark passes them; a long gap may come in several adjacent pieces.
 */
export interface MissingEvent {
  kind: 'missing';
  timeframe: Timeframe;
  from: number;
  to: number;
}

/**
 * Why a trade was not used. 'too-late': behind the watermark by more than the revision window;
 * 'future': event time implausibly far ahead of its receive time (it would drag the watermark);
 * 'other-instrument': sent to the aggregator of another instrument.
 */
export type RejectionReason = 'too-late' | 'future' | 'other-instrument';

/** A trade the aggregator did not use; the service sends it to the DLQ with `detail` as the reason. */
export interface RejectionEvent {
  kind: 'rejected';
  reason: RejectionReason;
  trade: Trade;
  detail: string;
}

export type AggregationEvent<B = Bar> = BarEvent<B> | MissingEvent | RejectionEvent;

/** Running counts since construction. Duplicates are counted here, not rejected: they are not lost data. */
export interface AggregationStats {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Trades outside the session of an equity-day series (still used by the other series). */
  outsideSession: number;
}
