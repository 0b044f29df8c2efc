import type { Cluster, Redis } from 'ioredis';
import { apiKeyId, ProviderGate, RedisRateLimiter, type RateLimitRule } from '@tickline/providers';
import { AlpacaHistory } from '../alpaca/alpacaHistory';
import { AlphaVantageHistory } from '../alphavantage/alphaVantageHistory';
import type { BarHistory, HistoryProviderName } from '../barHistory';
import { BinanceHistory } from '../binance/binanceHistory';
import { YahooHistory } from '../yahoo/yahooHistory';
import { HistoryRouter, type HistoryRouterOptions, type RoutedProvider } from './historyRouter';
import type { ProviderRule } from './providerRules';

/** The parts of the parsed config (`venues`, `backfill`) the history layer needs; config satisfies it. */
export interface HistorySettings {
  venues: {
    binance: { restUrl: string };
    alpaca: { restUrl: string; apiKey?: string; apiSecret?: string; feed: 'iex' | 'sip' };
    yahoo: { restUrl: string };
    alphavantage: { restUrl: string; apiKey?: string };
  };
  backfill: {
    rules: readonly ProviderRule[];
    limits: Record<HistoryProviderName, readonly RateLimitRule[]>;
    requestTimeoutMs: number;
    breakerFailures: number;
    breakerCooldownMs: number;
  };
}

export interface HistoryDependencies {
  redis: Redis | Cluster;
  /** Redis key prefix of the shared limits [tl]. */
  prefix?: string;
  onAttempt?: HistoryRouterOptions['onAttempt'];
  fetch?: typeof fetch;
}

/** A provider, its gate (breaker, limit, health) and its history client. */
export interface HistoryProvider extends RoutedProvider {
  gate: ProviderGate;
}

/**
 * Every history provider built from config, each behind a gate whose rate limit lives in Redis
 * (shared by all workers: Binance and Yahoo per IP, Alpaca and Alpha Vantage per API key), and the
 * router that selects and fails over between them. What a backfill worker creates once at start.
 */
export function createHistory(settings: HistorySettings, deps: HistoryDependencies) {
  const { venues, backfill } = settings;
  const gateFor = (provider: HistoryProviderName, keyId: string) =>
    new ProviderGate({
      provider,
      limiter: new RedisRateLimiter({
        redis: deps.redis,
        prefix: deps.prefix,
        provider,
        keyId,
        rules: backfill.limits[provider],
        // A grant is in flight until its reply; a request never outlives its timeout.
        leaseMs: 2 * backfill.requestTimeoutMs,
      }),
      breaker: { failureThreshold: backfill.breakerFailures, cooldownMs: backfill.breakerCooldownMs },
    });
  const common = (provider: HistoryProviderName, restUrl: string, keyId: string) => ({
    restUrl,
    gate: gateFor(provider, keyId),
    timeoutMs: backfill.requestTimeoutMs,
    fetch: deps.fetch,
  });
  const build = <H extends BarHistory>(options: { gate: ProviderGate }, history: H): HistoryProvider => ({
    history,
    gate: options.gate,
    status: () => options.gate.status(),
  });
  const binance = common('binance', venues.binance.restUrl, 'ip');
  const alpaca = {
    ...common('alpaca', venues.alpaca.restUrl, apiKeyId(venues.alpaca.apiKey)),
    ...venues.alpaca,
  };
  const yahoo = common('yahoo', venues.yahoo.restUrl, 'ip');
  const alphavantage = {
    ...common('alphavantage', venues.alphavantage.restUrl, apiKeyId(venues.alphavantage.apiKey)),
    apiKey: venues.alphavantage.apiKey,
  };
  const providers: Record<HistoryProviderName, HistoryProvider> = {
    binance: build(binance, new BinanceHistory(binance)),
    alpaca: build(alpaca, new AlpacaHistory(alpaca)),
    yahoo: build(yahoo, new YahooHistory(yahoo)),
    alphavantage: build(alphavantage, new AlphaVantageHistory(alphavantage)),
  };
  const router = new HistoryRouter({ providers, rules: backfill.rules, onAttempt: deps.onAttempt });
  return { providers, router };
}
