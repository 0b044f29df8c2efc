import { type Side, type Trade, type Venue } from '@tickline/core';

/**
 * Trades of one instrument as columns (struct of arrays): row i is one trade. The offline path (a tick
 * file, a benchmark) fills typed arrays once and the aggregator reads them in a plain loop, without a
 * Trade object per row. Venue and symbol are the aggregator's own: the caller routes rows by instrument.
 */
export interface TradeColumns {
  ts: ArrayLike<number>;
  recvTs: ArrayLike<number>;
  price: ArrayLike<number>;
  size: ArrayLike<number>;
  id: ArrayLike<string>;
  /** Default 'unknown'; only carried into rejections. */
  side?: ArrayLike<Side>;
  /** US equity sale conditions per row (undefined: a regular sale). */
  conditions?: ArrayLike<readonly string[] | undefined>;
  tape?: ArrayLike<string | undefined>;
}

/** Row `i` as a Trade (for a rejection event, which carries the trade). */
export function tradeAt(columns: TradeColumns, i: number, venue: Venue, symbol: string): Trade {
  const trade: Trade = {
    venue,
    symbol,
    ts: columns.ts[i]!,
    recvTs: columns.recvTs[i]!,
    price: columns.price[i]!,
    size: columns.size[i]!,
    side: columns.side?.[i] ?? 'unknown',
    id: columns.id[i]!,
  };
  const conditions = columns.conditions?.[i];
  const tape = columns.tape?.[i];
  if (conditions !== undefined) trade.conditions = [...conditions];
  if (tape !== undefined) trade.tape = tape;
  return trade;
}
