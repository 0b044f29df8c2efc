// Building Alpaca stream items and frames (mock, generator, tests), in Alpaca's key order.
import { rfc3339ToEpochMs } from './alpacaTime';

export interface AlpacaTradeSpec {
  symbol: string;
  id: number;
  price: number;
  size: number;
  /** RFC-3339, e.g. `2024-03-12T14:30:00.123456789Z`. */
  time: string;
  exchange?: string;
  conditions?: string[];
  tape?: string;
}

export function tradeItem(s: AlpacaTradeSpec): Record<string, unknown> {
  return {
    T: 't',
    S: s.symbol,
    i: s.id,
    x: s.exchange ?? 'V',
    p: s.price,
    s: s.size,
    t: s.time,
    c: s.conditions ?? ['@'],
    z: s.tape ?? 'C',
  };
}

export interface AlpacaQuoteSpec {
  symbol: string;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
  time: string;
}

export function quoteItem(s: AlpacaQuoteSpec): Record<string, unknown> {
  return {
    T: 'q',
    S: s.symbol,
    bx: 'V',
    bp: s.bid,
    bs: s.bidSize,
    ax: 'V',
    ap: s.ask,
    as: s.askSize,
    t: s.time,
    c: ['R'],
    z: 'C',
  };
}

/** A stream frame: always a JSON array. */
export function alpacaFrame(items: readonly object[]): string {
  return JSON.stringify(items);
}

/** The channel a data item belongs to, by its `T`; undefined for control items. */
export function channelOf(type: unknown): string | undefined {
  const channels: Record<string, string> = {
    t: 'trades',
    q: 'quotes',
    b: 'bars',
    u: 'updatedBars',
    d: 'dailyBars',
    s: 'statuses',
    l: 'lulds',
    c: 'corrections',
    x: 'cancelErrors',
    i: 'imbalances',
    o: 'orderbooks',
  };
  return typeof type === 'string' ? channels[type] : undefined;
}

/** A raw Alpaca frame's time, for recordings without receive times: its first item's `t`. */
export function alpacaFrameTime(frame: unknown): number | undefined {
  if (!Array.isArray(frame)) return undefined;
  const first: unknown = frame[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const t = (first as { t?: unknown }).t;
  return typeof t === 'string' ? rfc3339ToEpochMs(t) : undefined;
}
