import type { Timeframe } from '@tickline/core';

/** A provider's name for each timeframe it serves; absent ones it cannot serve. */
export type TimeframeCodes = Partial<Record<Timeframe, string>>;

export const BINANCE_INTERVALS: TimeframeCodes = {
  '1s': '1s',
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '1h',
  '2h': '2h',
  '4h': '4h',
  '6h': '6h',
  '12h': '12h',
  '1d': '1d',
  '1w': '1w',
  '1M': '1M',
};

// Weekly and monthly equity bars are left to rollups from 1d: providers label them by midnight New
// York, not by Tickline's Monday-UTC / first-of-month grid.
export const ALPACA_TIMEFRAMES: TimeframeCodes = {
  '1m': '1Min',
  '3m': '3Min',
  '5m': '5Min',
  '15m': '15Min',
  '30m': '30Min',
  '1h': '1Hour',
  '2h': '2Hour',
  '4h': '4Hour',
  '6h': '6Hour',
  '12h': '12Hour',
  '1d': '1Day',
};

// Yahoo's hourly equity bars start at :30 (09:30, 10:30...), off Tickline's grid: no 1h from Yahoo.
export const YAHOO_INTERVALS: TimeframeCodes = {
  '1m': '1m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1d': '1d',
};

export const ALPHAVANTAGE_INTERVALS: TimeframeCodes = {
  '1m': '1min',
  '5m': '5min',
  '15m': '15min',
  '30m': '30min',
  '1h': '60min',
  '1d': 'daily',
};
