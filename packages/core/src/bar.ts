import { z } from 'zod';
import { BarQualitySchema } from './barQuality';
import { count, epochMs, label, nonNegativeNumber, positiveNumber } from './numberSchemas';
import { SymbolSchema } from './symbol';
import { TimeframeSchema } from './timeframe';
import { VenueSchema } from './venue';

/**
 * One OHLCV bar, labelled by its open time and covering [start, end). OHLC consistency
 * (low <= open, close <= high) is deliberately not a schema rule: a provider's inconsistent bar is
 * kept and flagged in `quality`, so it stays visible instead of vanishing into the DLQ.
 */
export const BarSchema = z
  .strictObject({
    venue: VenueSchema,
    symbol: SymbolSchema,
    timeframe: TimeframeSchema,
    start: epochMs('start'),
    /** Exclusive end; omitted when it is simply the next timeframe boundary. */
    end: epochMs('end').optional(),
    open: positiveNumber('open'),
    high: positiveNumber('high'),
    low: positiveNumber('low'),
    close: positiveNumber('close'),
    volume: nonNegativeNumber('volume'),
    trades: count('trades'),
    vwap: positiveNumber('vwap'),
    /** Σ price·size over the bar's trades, when known: lets a rollup rebuild vwap exactly. */
    notional: nonNegativeNumber('notional').optional(),
    /** False while the bar can still change; a final bar only changes through a new revision. */
    final: z.boolean({ error: 'final must be true or false' }),
    /** 0 for the first final version, +1 for each late-trade correction. */
    revision: count('revision'),
    quality: BarQualitySchema,
    /** Where the bar came from: 'live' or a history provider such as 'binance-klines'. */
    source: label('source'),
  })
  .refine((bar) => bar.end === undefined || bar.end > bar.start, {
    error: 'end must be after start',
    path: ['end'],
  });
export type Bar = z.infer<typeof BarSchema>;
