import type { Bar } from '@tickline/core';

/**
 * What a `bars()` subscriber receives. One bar key (instrument, timeframe, start) arrives as:
 * - `bar`: its first final version;
 * - `revision`: a final version that replaces the one delivered before (a late-trade correction, `revision`
 *   one higher; or a live bar replacing a provider's bar at the same revision, per the storage precedence);
 * - `partial`: the still-open bar, only with `partial: true`; each one replaces the previous partial, and no
 *   partial of a key follows its final version.
 * A delivered final version is never delivered again, and never replaced by a version that ranks lower.
 */
export interface BarEvent {
  readonly kind: 'bar' | 'revision' | 'partial';
  readonly bar: Bar;
  /** `history` while replaying the store from `from`, `live` once read from the bar stream. */
  readonly origin: BarOrigin;
}

export type BarOrigin = 'history' | 'live';
