// The request bodies of issue 22's probes, as the attacker sent them, shared by the security tests.

/** Probe 2: a 1m backfill whose `to` is the last day a JS Date can hold. */
export const FAR_BACKFILL = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  timeframe: '1m',
  from: '2024-01-01',
  to: '+275760-09-13T00:00:00Z',
} as const;
