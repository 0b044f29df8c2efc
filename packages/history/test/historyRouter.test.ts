import fc from 'fast-check';
import { ASSET_CLASSES, TIMEFRAMES, compareTimeframes } from '@tickline/core';
import {
  AlpacaHistory,
  AlpacaRestMock,
  BinanceHistory,
  BinanceRestMock,
  HistoryRouter,
  matchRule,
  type BarHistory,
  type ProviderAttempt,
} from '../src';
import { ConfigSchema } from '@tickline/config';
import { ProviderGate, type ProviderError } from '@tickline/providers';
import { BTCUSDT } from './support/fixtures';

const T0 = Date.UTC(2024, 0, 1);
const DEFAULT_PROVIDER_RULES = ConfigSchema.parse({}).backfill.rules;
let binance: BinanceRestMock;
let alpaca: AlpacaRestMock;
beforeEach(async () => {
  binance = await BinanceRestMock.start();
  alpaca = await AlpacaRestMock.start();
});
afterEach(async () => {
  await binance.close();
  await alpaca.close();
});

function setup(failureThreshold = 3) {
  const entry = (history: BarHistory, gate: ProviderGate) => ({ history, status: () => gate.status() });
  const gates = {
    binance: new ProviderGate({ provider: 'binance', breaker: { failureThreshold, cooldownMs: 60000 } }),
    alpaca: new ProviderGate({ provider: 'alpaca', breaker: { failureThreshold, cooldownMs: 60000 } }),
  };
  const attempts: ProviderAttempt[] = [];
  const router = new HistoryRouter({
    providers: {
      binance: entry(new BinanceHistory({ restUrl: binance.url, gate: gates.binance }), gates.binance),
      alpaca: entry(new AlpacaHistory({ restUrl: alpaca.url, gate: gates.alpaca }), gates.alpaca),
    },
    rules: DEFAULT_PROVIDER_RULES,
    onAttempt: (attempt) => attempts.push(attempt),
  });
  return { router, gates, attempts };
}

const range = (minutes: number) => ({
  instrument: BTCUSDT,
  timeframe: '1m' as const,
  from: T0,
  to: T0 + minutes * 60000,
});

describe('provider rules', () => {
  it('property: the first rule whose classes and timeframe kind match wins', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ASSET_CLASSES),
        fc.constantFrom(...TIMEFRAMES),
        (assetClass, timeframe) => {
          const daily = compareTimeframes(timeframe, '1d') >= 0;
          const expected = DEFAULT_PROVIDER_RULES.find(
            (r) =>
              r.assetClasses.includes(assetClass) &&
              (r.timeframes === 'any' || (r.timeframes === 'daily') === daily),
          );
          expect(matchRule(DEFAULT_PROVIDER_RULES, assetClass, timeframe)).toBe(expected);
        },
      ),
    );
    expect(matchRule(DEFAULT_PROVIDER_RULES, 'equity', '5m')!.providers).toEqual(['alpaca', 'alphavantage']);
    expect(matchRule(DEFAULT_PROVIDER_RULES, 'equity', '1d')!.providers).toEqual(['alpaca', 'yahoo']);
    expect(matchRule(DEFAULT_PROVIDER_RULES, 'crypto', '1h')!.providers[0]).toBe('binance');
    expect(matchRule(DEFAULT_PROVIDER_RULES, 'fx', '1d')).toBeUndefined();
  });
});

describe('HistoryRouter', () => {
  it('uses the first provider of the rule; every bar says so', async () => {
    const { router, attempts } = setup();
    const result = await router.fetchRange(range(90));
    expect(result.bars).toHaveLength(90);
    expect(new Set(result.bars.map((b) => b.source))).toEqual(new Set(['binance:raw']));
    expect(attempts.map((a) => [a.provider, a.outcome, a.bars])).toEqual([['binance', 'ok', 90]]);
    expect(alpaca.stats.requests).toBe(0);
  });

  it('primary answering 500s: the work moves to the next provider and the bars say so; an open breaker is skipped next time', async () => {
    const { router, gates, attempts } = setup(1);
    binance.failNext(1000, 500);
    const result = await router.fetchRange(range(30));
    expect(result.bars).toHaveLength(30);
    expect(new Set(result.bars.map((b) => b.source))).toEqual(new Set(['alpaca:raw']));
    expect(result.bars[0]).toMatchObject({ venue: 'binance', symbol: 'BTCUSDT' });
    expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['binance', 'failed'],
      ['alpaca', 'ok'],
    ]);
    expect(attempts[0]!.reason).toContain('answered 500');
    expect(gates.binance.status().breaker).toBe('open');
    const requestsBefore = binance.stats.requests;
    await router.fetchRange(range(5));
    expect(binance.stats.requests).toBe(requestsBefore); // skipped without a request
    expect(attempts.slice(2).map((a) => [a.provider, a.outcome])).toEqual([
      ['binance', 'skipped'],
      ['alpaca', 'ok'],
    ]);
  });

  it('a provider failing mid-range hands the rest over: no gap, no duplicate', async () => {
    await binance.close();
    binance = await BinanceRestMock.start({ weightLimit: 2 }); // one klines request per minute
    const { router } = setup();
    const result = await router.fetchRange(range(2500));
    const starts = result.bars.map((b) => b.start);
    expect(starts).toEqual([...Array(2500).keys()].map((i) => T0 + i * 60000));
    expect(result.bars.slice(0, 1000).every((b) => b.source === 'binance:raw')).toBe(true);
    expect(result.bars.slice(1000).every((b) => b.source === 'alpaca:raw')).toBe(true);
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.bars])).toEqual([
      ['binance', 'failed', 1000],
      ['alpaca', 'ok', 1500],
    ]);
  });

  it('every provider failing is a retryable NO_PROVIDER naming each failure; nothing able to serve is REQUEST_REJECTED', async () => {
    const { router } = setup();
    binance.failNext(1000, 503);
    alpaca.failNext(1000, 502);
    const error = (await router.fetchRange(range(5)).catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ code: 'NO_PROVIDER', retryable: true });
    expect(error.message).toMatch(/binance: .*answered 503.*alpaca: .*answered 502/);
    const none = (await router
      .fetchRange({ ...range(5), instrument: { venue: 'alpaca', symbol: 'EURUSD', assetClass: 'fx' } })
      .catch((e: unknown) => e)) as ProviderError;
    expect(none).toMatchObject({ code: 'REQUEST_REJECTED', retryable: false });
    expect(none.message).toContain('no history provider can serve alpaca:EURUSD 1m');
  });

  it('plans by rule, adjustment and support; a pinned provider is the only one tried', async () => {
    const { router, attempts } = setup();
    const equity = {
      instrument: { venue: 'alpaca' as const, symbol: 'AAPL', assetClass: 'equity' as const },
      timeframe: '5m' as const,
      from: T0,
      to: T0 + 1,
    };
    expect(router.plan(equity)).toEqual({
      adjustment: 'raw',
      candidates: ['alpaca'],
      excluded: [{ provider: 'alphavantage', reason: 'not configured' }],
    });
    expect(router.plan({ ...range(1), adjustment: 'split' }).adjustment).toBe('raw'); // crypto: always raw
    expect(router.chunkMs(range(1))).toBe(1000 * 60000);
    const pinned = await router.fetchRange({ ...range(3), provider: 'alpaca' });
    expect(pinned.bars.map((b) => b.source)).toEqual(['alpaca:raw', 'alpaca:raw', 'alpaca:raw']);
    expect(attempts.map((a) => a.provider)).toEqual(['alpaca']);
  });
});
