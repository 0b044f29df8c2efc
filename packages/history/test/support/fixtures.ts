import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Instrument } from '@tickline/core';

/** A fixture's parsed JSON; Yahoo's recorded wrappers are unwrapped to the response body. */
export function fixture(path: string): unknown {
  const json = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8')) as {
    response?: { bodyJson: unknown };
  };
  return json.response?.bodyJson ?? json;
}

export const BTCUSDT: Instrument = { venue: 'binance', symbol: 'BTCUSDT', assetClass: 'crypto' };
export const AAPL: Instrument = { venue: 'alpaca', symbol: 'AAPL', assetClass: 'equity' };

export const ALL_TIME = { from: -8.64e15, to: 8.64e15 };
